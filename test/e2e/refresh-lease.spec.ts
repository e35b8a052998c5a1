import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '#libs/testing';
import { startSandbox, type Sandbox } from '#libs/sandbox';
import { eventually } from '../support/chaos.js';
import { connectOAuth, readToken } from '../support/connect-flow.js';
import {
  PUBLIC_URL,
  startSandboxedBroker,
  TEST_CLIENT,
  type SandboxedBroker,
} from '../support/sandboxed-broker.js';
import { SHORT_LEASE_ENV, SHORT_LEASE_MS } from '../support/short-lease.js';
import { sql } from '../support/sql.js';
import { refuseWriteBacks, type WriteBackFault } from '../support/write-back-fault.js';

interface LeaseRow {
  status: string;
  lease_token: string | null;
  lease_expires_at: Date | null;
  last_refreshed_at: Date | null;
}

const leaseOf = async (url: string, id: string) =>
  (
    await sql<LeaseRow>(
      url,
      `SELECT status, lease_token, lease_expires_at, last_refreshed_at FROM connections WHERE id = $1`,
      [id],
    )
  )[0]!;

const refresh = (broker: SandboxedBroker, id: string) =>
  broker.app.inject({ method: 'POST', url: `/v1/connections/${id}/refresh`, headers: broker.admin });

/** Released after each test too, should one fail while write-backs are refused. */
let fault: WriteBackFault | undefined;
afterEach(async () => {
  await fault?.release();
  fault = undefined;
});

describe('a refresh whose write-back cannot reach the database', () => {
  let broker: SandboxedBroker;
  let startedAt: number;
  beforeAll(async () => {
    // Access tokens live 8 s and are refreshed 3 s before expiry by this process's own scheduler.
    broker = await startSandboxedBroker({
      env: {
        REFRESH_SCHEDULER: 'on',
        REFRESH_MARGIN_SECONDS: '3',
        REFRESH_TICK_MS: '200',
        ...SHORT_LEASE_ENV,
      },
      sandboxOptions: { accessTokenTtlSeconds: 8 },
    });
    startedAt = Date.now(); // it has reached the database since before this
  });
  afterAll(() => broker.close());

  it('is never claimed again by the same process while it is still storing, long after its lease ran out', async () => {
    const connection = await connectOAuth(broker, { sub: 'w0' });
    fault = await refuseWriteBacks(broker.database.url);
    const before = broker.sandbox.stats();

    // The scheduler spends the refresh token and holds the rotated one, unable to store it.
    await eventually(
      'the scheduled refresh spent the token',
      15_000,
      () => broker.sandbox.stats().refreshesSucceeded > before.refreshesSucceeded,
    );
    const held = await leaseOf(broker.database.url, connection.id);
    expect(held.lease_token).not.toBeNull();
    // Past its lease, with the process up longer than the takeover grace, over many scheduler ticks.
    const quietUntil = Math.max(held.lease_expires_at!.getTime(), startedAt + SHORT_LEASE_MS) + 3_000;
    await sleep(quietUntil - Date.now());

    const during = broker.sandbox.stats();
    expect(during.tokenEndpointRequests - before.tokenEndpointRequests).toBe(1);
    expect(during.refreshTokenReuses).toBe(0);
    expect(await leaseOf(broker.database.url, connection.id)).toMatchObject({
      status: 'active',
      lease_token: held.lease_token,
    });

    // The database takes the write again: the rotated tokens land, and they are the valid ones.
    await fault.release();
    const stored = await eventually('the write-back landed', 5_000, async () => {
      const row = await leaseOf(broker.database.url, connection.id);
      return row.last_refreshed_at!.getTime() > held.last_refreshed_at!.getTime() && row;
    });
    expect(stored.status).toBe('active');
    const token = await readToken(broker, connection.id, 2);
    expect(token.statusCode).toBe(200);
    const userinfo = await fetch(`${broker.sandbox.url}/v2/authorization/userinfo`, {
      headers: { authorization: token.json<{ authorizationHeader: string }>().authorizationHeader },
    });
    expect(userinfo.status).toBe(200);
    const after = broker.sandbox.stats();
    expect(after.refreshTokenReuses).toBe(0);
    expect(after.logouts - before.logouts).toBe(0);
  }, 45_000);
});

describe('a late write-back after another replica changed the connection', () => {
  let database: TestDatabase;
  let sandbox: Sandbox;
  let holder: SandboxedBroker;
  let other: SandboxedBroker;
  beforeAll(async () => {
    database = await createTestDatabase();
    sandbox = await startSandbox({
      clients: [{ ...TEST_CLIENT, redirectUris: [`${PUBLIC_URL}/v1/oauth/callback`] }],
    });
    holder = await startSandboxedBroker({ database, sandbox, env: SHORT_LEASE_ENV });
    other = await startSandboxedBroker({ database, sandbox, env: SHORT_LEASE_ENV });
  });
  afterAll(async () => {
    await holder.close();
    await other.close();
    await sandbox.close();
    await database.drop();
  });

  it('does not bring a connection marked reauth_required back to active', async () => {
    const connection = await connectOAuth(holder, { sub: 'w1' });
    fault = await refuseWriteBacks(database.url);
    const before = sandbox.stats();

    // The holder spends the refresh token; its write-back is refused, as if it alone were cut off.
    const late = refresh(holder, connection.id);
    await eventually(
      'the holder spent the token',
      5_000,
      () => sandbox.stats().refreshesSucceeded > before.refreshesSucceeded,
    );
    // Cut off for longer than its lease, it looks crashed to the other replica, which has had the
    // database all along: that one takes the row over, spends the same token again, and sipgate
    // ends the session (the residual case of lease-rule.ts).
    const { lease_expires_at } = await leaseOf(database.url, connection.id);
    await sleep(lease_expires_at!.getTime() + 500 - Date.now());
    expect((await refresh(other, connection.id)).statusCode).toBe(409);
    expect(sandbox.stats().refreshTokenReuses - before.refreshTokenReuses).toBe(1);

    // The holder's write finally lands on a row that is no longer as it found it: refused.
    await fault.release();
    const answer = await late;
    expect(answer.statusCode).toBe(409);
    expect(await leaseOf(database.url, connection.id)).toMatchObject({ status: 'reauth_required' });
    for (const broker of [holder, other]) {
      expect((await readToken(broker, connection.id, 0)).statusCode).toBe(409);
    }
  }, 45_000);
});
