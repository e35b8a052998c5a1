import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateEncryptionKey } from '#libs/crypto';
import { startSandbox, type Sandbox } from '#libs/sandbox';
import { createTestDatabase, type TestDatabase } from '#libs/testing';
import { RefreshPump } from '../../apps/broker/src/refresh/refresh-pump.js';
import { connectOAuth, readToken } from '../support/connect-flow.js';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text.js';
import {
  PUBLIC_URL,
  startSandboxedBroker,
  TEST_CLIENT,
  type SandboxedBroker,
} from '../support/sandboxed-broker.js';
import { sql } from '../support/sql.js';
import { waitFor } from '../support/wait-for.js';

const retired = generateEncryptionKey('retired');
const k1 = generateEncryptionKey('k1');
const k2 = generateEncryptionKey('k2');

interface RefresherState {
  id: string;
  status: string;
  lease_token: string | null;
  refresh_due_at: Date;
  last_error: string | null;
  last_refreshed_at: Date;
}

const unreadableCount = async (broker: SandboxedBroker) =>
  sampleValue(
    parsePrometheusText((await broker.app.inject({ url: '/metrics' })).body),
    'broker_refresh_tokens_unreadable_total',
    { reason: 'unknown_key' },
  );

/**
 * A connection whose refresh token no configured key opens (the key it was sealed with was removed
 * too early) among healthy ones. Every key change is a broker restart, as in production.
 */
describe('a refresh token that no configured key opens', () => {
  let sandbox: Sandbox;
  let database: TestDatabase;
  let broker: SandboxedBroker;
  let unreadable: string;
  let healthy: string[];
  const start = async (keys: string, env: NodeJS.ProcessEnv = {}) =>
    startSandboxedBroker({ database, sandbox, env: { BROKER_ENCRYPTION_KEYS: keys, ...env } });
  const state = async (ids: string[]) =>
    sql<RefresherState>(
      database.url,
      `SELECT id, status, lease_token, refresh_due_at, last_error, last_refreshed_at
         FROM connections WHERE id = ANY($1::uuid[]) ORDER BY id`,
      [ids],
    );

  beforeAll(async () => {
    sandbox = await startSandbox({
      clients: [{ ...TEST_CLIENT, redirectUris: [`${PUBLIC_URL}/v1/oauth/callback`] }],
    });
    database = await createTestDatabase();
    const before = await start(retired);
    unreadable = (await connectOAuth(before, { sub: 'w0', masterSipId: '2556404' })).id;
    await before.close();
    // 'retired' left the configuration while a connection was still sealed with it.
    broker = await start(k1);
    healthy = await Promise.all(
      [
        { sub: 'w1', masterSipId: '2556404' },
        { sub: 'w0', masterSipId: '3141592' },
      ].map(async (user) => (await connectOAuth(broker, user)).id),
    );
  }, 60_000);
  afterAll(async () => {
    await broker.close();
    await database.drop();
    await sandbox.close();
  });

  it('is set aside with its lease released, while the rest of its batch refreshes', async () => {
    // All three due, the unreadable one first: it would lead every batch.
    await sql(
      database.url,
      `UPDATE connections SET refresh_due_at = now() - interval '1 minute' * (CASE WHEN id = $1 THEN 2 ELSE 1 END)`,
      [unreadable],
    );
    const [before] = await state([unreadable]);
    const stats = sandbox.stats();
    const claimedAt = Date.now();

    const pump = broker.app.get(RefreshPump);
    await pump.run();
    await pump.idle();

    const after = sandbox.stats();
    expect(after.refreshesSucceeded - stats.refreshesSucceeded).toBe(2);
    for (const row of await state(healthy)) {
      expect(row).toMatchObject({
        status: 'active',
        lease_token: null,
        last_error: null,
      });
      expect(row.refresh_due_at.getTime()).toBeGreaterThan(claimedAt);
    }
    const [setAside] = await state([unreadable]);
    expect(setAside).toMatchObject({ status: 'active', lease_token: null });
    // Backed off: no longer the oldest due row, which every batch would start with.
    expect(setAside!.refresh_due_at.getTime()).toBeGreaterThan(claimedAt);
    expect(setAside!.last_error).toContain("key 'retired'");
    expect(setAside!.last_error).not.toContain(retired.split(':')[1]!);
    expect(setAside!.last_refreshed_at).toEqual(before!.last_refreshed_at);
    expect(await unreadableCount(broker)).toBe(1);
  });

  it('is set aside alike when an admin refreshes it, with an error naming the key it needs', async () => {
    const claimedAt = Date.now();
    const response = await broker.app.inject({
      method: 'POST',
      url: `/v1/connections/${unreadable}/refresh`,
      headers: broker.admin,
    });
    expect(response.statusCode).toBe(500);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toMatchObject({ type: expect.stringMatching(/\/secret-unreadable$/) });
    expect(response.json<{ detail: string }>().detail).toContain("key 'retired'");
    const [row] = await state([unreadable]);
    expect(row).toMatchObject({ status: 'active', lease_token: null });
    expect(row!.refresh_due_at.getTime()).toBeGreaterThan(claimedAt);
    expect(row!.last_error).toContain("key 'retired'");
    expect(await unreadableCount(broker)).toBe(2);
  });

  it('refreshes by itself, without a reconnect, once the key is configured again', async () => {
    await broker.close();
    broker = await start(`${k1},${retired}`, { REFRESH_SCHEDULER: 'on', REFRESH_TICK_MS: '200' });
    const [before] = await state([unreadable]);
    const stats = sandbox.stats();

    // Due again when its back-off ends (a few seconds after two failures).
    const refreshed = await waitFor(async () => {
      const [row] = await state([unreadable]);
      return row!.last_refreshed_at.getTime() > before!.last_refreshed_at.getTime();
    }, 20_000);
    expect(refreshed).toBe(true);
    const [row] = await state([unreadable]);
    expect(row).toMatchObject({ status: 'active', last_error: null });
    expect(sandbox.stats().refreshTokenReuses - stats.refreshTokenReuses).toBe(0);
    expect((await readToken(broker, unreadable)).statusCode).toBe(200);
  }, 60_000);

  it('can be connected again, although the old session it replaces cannot be logged out', async () => {
    // k1 removed too early now: none of the stored tokens opens.
    await broker.close();
    broker = await start(k2);

    const again = await connectOAuth(broker, { sub: 'w0', masterSipId: '2556404' });

    expect(again).toMatchObject({ id: unreadable, status: 'active', lastError: null });
    expect((await readToken(broker, unreadable)).statusCode).toBe(200);
    const refresh = await broker.app.inject({
      method: 'POST',
      url: `/v1/connections/${unreadable}/refresh`,
      headers: broker.admin,
    });
    expect(refresh.statusCode).toBe(200);
  }, 60_000);

  it('can be disconnected, its secrets erased although its session cannot be logged out', async () => {
    const [id] = healthy;
    const response = await broker.app.inject({
      method: 'DELETE',
      url: `/v1/connections/${id}`,
      headers: broker.admin,
    });
    expect(response.statusCode).toBe(204);
    expect(await state([id!])).toEqual([]);
  });
});
