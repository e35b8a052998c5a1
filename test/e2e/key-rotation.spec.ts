import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { generateEncryptionKey, EncryptionKeyring } from '#libs/crypto';
import { startSandbox, type Sandbox } from '#libs/sandbox';
import { createTestDatabase, type TestDatabase } from '#libs/testing';
import { rotateKeys } from '../../apps/broker/src/key-rotation/rotate-keys.js';
import { leaseMsFor } from '../../apps/broker/src/refresh/lease-rule.js';
import { connectOAuth, loginAtSandbox, readToken } from '../support/connect-flow.js';
import { sql } from '../support/sql.js';
import { runRotateKeysCli as runCli } from '../support/rotate-keys-cli.js';
import {
  PUBLIC_URL,
  startSandboxedBroker,
  TEST_CLIENT,
  type SandboxedBroker,
} from '../support/sandboxed-broker.js';

const k1 = generateEncryptionKey('k1');
const k2 = generateEncryptionKey('k2');

/** Which key sealed each stored secret, read from the ciphertext header (version, id length, id). */
async function keyIdsInUse(url: string): Promise<string[]> {
  const rows = await sql<{ key_id: string }>(
    url,
    `SELECT DISTINCT convert_from(substring(v FROM 3 FOR get_byte(v, 1)), 'SQL_ASCII') AS key_id FROM (
       SELECT access_token_ciphertext AS v FROM connections UNION ALL
       SELECT refresh_token_ciphertext FROM connections UNION ALL
       SELECT code_verifier_ciphertext FROM oauth_attempts) s
     WHERE v IS NOT NULL ORDER BY 1`,
  );
  return rows.map((row) => row.key_id);
}

const refresh = (broker: SandboxedBroker, id: string) =>
  broker.app.inject({ method: 'POST', url: `/v1/connections/${id}/refresh`, headers: broker.admin });

/** Every connection serves a token sipgate accepts, and every OAuth one still refreshes. */
async function expectServesEverything(
  broker: SandboxedBroker,
  sandbox: Sandbox,
  ids: { oauth: string[]; pat: string[] },
) {
  for (const id of [...ids.oauth, ...ids.pat]) {
    const token = await readToken(broker, id, 0);
    expect(token.statusCode).toBe(200);
    const userinfo = await fetch(`${sandbox.url}/v2/authorization/userinfo`, {
      headers: { authorization: token.json<{ authorizationHeader: string }>().authorizationHeader },
    });
    expect(userinfo.status).toBe(200);
  }
  for (const id of ids.oauth) expect((await refresh(broker, id)).statusCode).toBe(200);
}

describe('key rotation', () => {
  let sandbox: Sandbox;
  let database: TestDatabase;
  let brokers: SandboxedBroker[] = [];
  const broker = async (keys: string) => {
    const started = await startSandboxedBroker({ database, sandbox, env: { BROKER_ENCRYPTION_KEYS: keys } });
    brokers.push(started);
    return started;
  };
  const stop = async (b: SandboxedBroker) => {
    brokers = brokers.filter((other) => other !== b);
    await b.close();
  };

  beforeAll(async () => {
    sandbox = await startSandbox({
      clients: [{ ...TEST_CLIENT, redirectUris: [`${PUBLIC_URL}/v1/oauth/callback`] }],
    });
  });
  afterAll(() => sandbox.close());
  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    for (const b of brokers) await b.close();
    brokers = [];
    await database.drop();
  });

  it('re-encrypts every secret online, without overwriting a concurrent refresh, and resumes', async () => {
    const before = await broker(k1);
    const a = await connectOAuth(before, { sub: 'w0', masterSipId: '2556404' });
    const b = await connectOAuth(before, { sub: 'w1' });
    const pat = sandbox.pats()[0]!;
    const patConnection = await before.app.inject({
      method: 'POST',
      url: '/v1/connections/pat',
      headers: before.admin,
      payload: { tokenId: pat.tokenId, token: pat.token },
    });
    const patId = patConnection.json<{ id: string }>().id;
    const pendingLogin = await loginAtSandbox(before, { sub: 'w0', masterSipId: '3141592' });
    await stop(before);
    expect(await keyIdsInUse(database.url)).toEqual(['k1']);

    // The new key goes first everywhere; brokers keep running during the rotation.
    const during = await broker(`${k2},${k1}`);
    // A refresher holds b's lease (its refresh token is being spent right now).
    await sql(
      database.url,
      `UPDATE connections SET lease_expires_at = now() + interval '1 minute' WHERE id = $1`,
      [b.id],
    );
    const progress: string[] = [];
    let concurrentRefresh: number | undefined;
    const first = await rotateKeys({
      databaseUrl: database.url,
      keyring: EncryptionKeyring.parse(`${k2},${k1}`),
      takeoverGraceMs: leaseMsFor(during.config),
      batchSize: 2,
      maxPasses: 1,
      onProgress: (p) => progress.push(`${p.table} ${p.reEncrypted}/${p.pending}`),
      // Between reading a batch and writing it, a broker refreshes `a`: new tokens, sealed under k2.
      beforeWrite: async (table, ids) => {
        if (table === 'connections' && ids.includes(a.id)) {
          concurrentRefresh = (await refresh(during, a.id)).statusCode;
        }
      },
    });
    expect(concurrentRefresh).toBe(200);
    expect(first.complete).toBe(false);
    const connections = first.tables.find((t) => t.table === 'connections')!;
    expect(connections).toMatchObject({ pending: 3, reEncrypted: 1, remaining: 1 });
    expect(connections.skipped).toBe(2); // a (changed meanwhile) and b (leased)
    expect(first.tables.find((t) => t.table === 'oauth_attempts')).toMatchObject({
      reEncrypted: 1,
      remaining: 0,
    });
    expect(progress).toContain('connections 0/3');

    // The refresher is done with b; a second run finishes, touching only what is left.
    await sql(database.url, `UPDATE connections SET lease_expires_at = NULL WHERE id = $1`, [b.id]);
    const second = await rotateKeys({
      databaseUrl: database.url,
      keyring: EncryptionKeyring.parse(`${k2},${k1}`),
      takeoverGraceMs: leaseMsFor(during.config),
    });
    expect(second.complete).toBe(true);
    expect(second.tables.map((t) => [t.table, t.reEncrypted])).toEqual([
      ['connections', 1],
      ['oauth_attempts', 0],
    ]);
    expect(await keyIdsInUse(database.url)).toEqual(['k2']);
    await stop(during);

    // k1 is gone: a broker with k2 alone serves every token, refreshes, and completes the pending login.
    const after = await broker(k2);
    await expectServesEverything(after, sandbox, { oauth: [a.id, b.id], pat: [patId] });
    const callback = await after.app.inject({ url: pendingLogin, headers: { accept: 'application/json' } });
    expect(callback.statusCode).toBe(200);
    expect(sandbox.stats().refreshTokenReuses).toBe(0);
  });

  it('runs as a command with the broker configuration, and again with nothing left to do', async () => {
    const before = await broker(k1);
    const oauth = await connectOAuth(before, { sub: 'w1' });
    const pat = sandbox.pats()[1]!;
    const patId = (
      await before.app.inject({
        method: 'POST',
        url: '/v1/connections/pat',
        headers: before.admin,
        payload: { tokenId: pat.tokenId, token: pat.token },
      })
    ).json<{ id: string }>().id;
    await stop(before);

    const env = {
      PATH: process.env.PATH,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'broker-rotate-')),
      DATABASE_URL: database.url,
      BROKER_ENCRYPTION_KEYS: `${k2},${k1}`,
      BROKER_ADMIN_API_KEY: before.adminKey,
      SIPGATE_CLIENT_ID: TEST_CLIENT.clientId,
      SIPGATE_CLIENT_SECRET: TEST_CLIENT.clientSecret,
    };
    const first = await runCli(env);
    expect(first.code).toBe(0);
    expect(first.output).toContain("Re-encrypting under 'k2' (keyring: k2, k1)");
    expect(first.output).toContain('connections: 2/2 re-encrypted');
    expect(first.output).toMatch(/Done: every secret is encrypted under 'k2'/);
    expect(first.output).not.toContain(k1.split(':')[1]!);
    expect(await keyIdsInUse(database.url)).toEqual(['k2']);

    const again = await runCli(env);
    expect(again.code).toBe(0);
    expect(again.output).toContain('connections: 0/0 re-encrypted');

    const after = await broker(k2);
    await expectServesEverything(after, sandbox, { oauth: [oauth.id], pat: [patId] });

    const broken = await runCli({ ...env, BROKER_ENCRYPTION_KEYS: 'k2:not-a-key' });
    expect(broken.code).toBe(2);
    expect(broken.output).toContain('BROKER_ENCRYPTION_KEYS');
  });
});
