import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EncryptionKeyring, generateEncryptionKey } from '#libs/crypto';
import { rotateKeys } from '../../apps/broker/src/key-rotation/rotate-keys.js';
import { leaseMsFor } from '../../apps/broker/src/refresh/lease-rule.js';
import { eventually } from '../support/chaos.js';
import { connectOAuth } from '../support/connect-flow.js';
import { startSandboxedBroker, type SandboxedBroker } from '../support/sandboxed-broker.js';
import { sql } from '../support/sql.js';
import { refuseWriteBacks } from '../support/write-back-fault.js';

const k1 = generateEncryptionKey('k1');
const k2 = generateEncryptionKey('k2');

/** Which key sealed a connection's refresh token, read from the ciphertext header. */
async function refreshTokenKeyId(url: string, id: string): Promise<string> {
  const [row] = await sql<{ key_id: string }>(
    url,
    `SELECT convert_from(substring(refresh_token_ciphertext FROM 3 FOR get_byte(refresh_token_ciphertext, 1)),
                         'SQL_ASCII') AS key_id
       FROM connections WHERE id = $1`,
    [id],
  );
  return row!.key_id;
}

const refresh = (broker: SandboxedBroker, id: string) =>
  broker.app.inject({ method: 'POST', url: `/v1/connections/${id}/refresh`, headers: broker.admin });

describe('key rotation next to refreshers whose leases ran out', () => {
  let before: SandboxedBroker;
  let holder: SandboxedBroker;
  beforeAll(async () => {
    before = await startSandboxedBroker({ env: { BROKER_ENCRYPTION_KEYS: k1 } });
  });
  afterAll(async () => {
    await holder?.close();
    await before.close();
  });

  it('leaves a row whose holder may still be storing, so the holder stores its rotated tokens', async () => {
    const { database, sandbox } = before;
    const stored = await connectOAuth(before, { sub: 'w0', masterSipId: '2556404' });
    const abandoned = await connectOAuth(before, { sub: 'w1' });
    // The new key goes first on the broker that refreshes during the rotation.
    holder = await startSandboxedBroker({
      database,
      sandbox,
      env: { BROKER_ENCRYPTION_KEYS: `${k2},${k1}` },
    });
    const stats = sandbox.stats();

    // A refresher has spent `stored`'s refresh token and cannot write the rotated one back; its
    // database was away for longer than five minutes, so its lease ran out long ago.
    const fault = await refuseWriteBacks(database.url);
    const refreshing = refresh(holder, stored.id);
    await eventually(
      'the holder spent the token',
      5_000,
      () => sandbox.stats().refreshesSucceeded > stats.refreshesSucceeded,
    );
    // `abandoned` was leased by a refresher that crashed, long ago as well.
    await sql(
      database.url,
      `UPDATE connections SET lease_token = coalesce(lease_token, gen_random_uuid()),
              lease_expires_at = now() - interval '10 minutes' WHERE id = ANY($1::uuid[])`,
      [[stored.id, abandoned.id]],
    );
    const keyring = EncryptionKeyring.parse(`${k2},${k1}`);
    const takeoverGraceMs = leaseMsFor(holder.config);

    const early = await rotateKeys({ databaseUrl: database.url, keyring, takeoverGraceMs, maxPasses: 1 });
    expect(early.tables.find((t) => t.table === 'connections')).toMatchObject({ reEncrypted: 0, skipped: 2 });
    expect(await refreshTokenKeyId(database.url, stored.id)).toBe('k1');

    // The holder's write-back lands on the ciphertext it spent: the rotated session is kept.
    await fault.release();
    expect((await refreshing).statusCode).toBe(200);
    expect(await refreshTokenKeyId(database.url, stored.id)).toBe('k2');
    expect((await refresh(holder, stored.id)).statusCode).toBe(200);
    expect(sandbox.stats()).toMatchObject({
      refreshTokenReuses: stats.refreshTokenReuses,
      logouts: stats.logouts,
    });

    // A rotation that has had the database for the grace takes the crashed refresher's row: its
    // last pass waits that long, so a run with no broker around still finishes.
    const late = await rotateKeys({
      databaseUrl: database.url,
      keyring,
      takeoverGraceMs: 1_500,
      maxPasses: 2,
      passDelayMs: 100,
    });
    expect(late.complete).toBe(true);
    expect(await refreshTokenKeyId(database.url, abandoned.id)).toBe('k2');
  });
});
