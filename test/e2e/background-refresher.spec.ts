import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '#libs/testing';
import { RefreshScheduler } from '../../apps/broker/src/refresh/refresh-scheduler.js';
import { connectOAuth, readToken } from '../support/connect-flow.js';
import { sql as query } from '../support/sql.js';
import { startSandboxedBroker, type SandboxedBroker } from '../support/sandboxed-broker.js';

const waitFor = async (check: () => Promise<boolean>, timeoutMs: number) => {
  for (const started = Date.now(); Date.now() - started < timeoutMs;) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
};

describe('the background refresher', () => {
  let database: TestDatabase;
  let schedulerA: SandboxedBroker;
  let readerB: SandboxedBroker;
  beforeAll(async () => {
    database = await createTestDatabase();
    // Access tokens live 8 s and are refreshed 3 s before expiry, with no reads at all.
    schedulerA = await startSandboxedBroker({
      database,
      env: { REFRESH_SCHEDULER: 'on', REFRESH_MARGIN_SECONDS: '3', REFRESH_TICK_MS: '200' },
      sandboxOptions: { accessTokenTtlSeconds: 8 },
    });
    readerB = await startSandboxedBroker({
      database,
      sandbox: schedulerA.sandbox,
      env: { REFRESH_SCHEDULER: 'off' },
    });
  });
  afterAll(async () => {
    await readerB.close();
    await schedulerA.close();
    await database.drop();
  });

  it('renews tokens before they expire without any reads, each refresh token used once', async () => {
    const connections = await Promise.all(
      [
        { sub: 'w0', masterSipId: '2556404' },
        { sub: 'w1', masterSipId: '2556404' },
        { sub: 'w0', masterSipId: '3141592' },
      ].map((user) => connectOAuth(schedulerA, user)),
    );
    const ids = connections.map((c) => c.id);
    const refreshedAt = async () =>
      query<{ id: string; last_refreshed_at: Date; access_token_expires_at: Date }>(
        database.url,
        `SELECT id, last_refreshed_at, access_token_expires_at FROM connections WHERE id = ANY($1::uuid[])`,
        [ids],
      );
    const initial = new Map((await refreshedAt()).map((r) => [r.id, r.last_refreshed_at.getTime()]));
    const before = schedulerA.sandbox.stats();

    // Two full lifetimes: each connection must have been refreshed at least twice, before expiry.
    const renewedTwice = await waitFor(async () => {
      const rows = await refreshedAt();
      return rows.every((r) => r.last_refreshed_at.getTime() - initial.get(r.id)! >= 8_000);
    }, 30_000);
    expect(renewedTwice).toBe(true);
    const stats = schedulerA.sandbox.stats();
    expect(stats.refreshTokenReuses).toBe(0);
    expect(stats.refreshFailures - before.refreshFailures).toBe(0);
    // At most one refresh per connection per (lifetime - margin) cycle, plus the one in flight.
    expect(stats.refreshesSucceeded - before.refreshesSucceeded).toBeLessThanOrEqual(ids.length * 4);

    for (const id of ids) {
      const token = await readToken(readerB, id, 0);
      expect(token.statusCode).toBe(200);
      const { authorizationHeader } = token.json<{ authorizationHeader: string }>();
      const userinfo = await fetch(`${schedulerA.sandbox.url}/v2/authorization/userinfo`, {
        headers: { authorization: authorizationHeader },
      });
      expect(userinfo.status).toBe(200);
    }
  }, 45_000);

  it('marks a revoked grant reauth_required within a cycle, and readers get 409', async () => {
    const connection = await connectOAuth(schedulerA, { sub: 'w1', masterSipId: '2556404' });
    schedulerA.sandbox.revokeGrantsOf('w1', '2556404');
    const marked = await waitFor(async () => {
      const [row] = await query<{ status: string }>(
        database.url,
        `SELECT status FROM connections WHERE id = $1`,
        [connection.id],
      );
      return row?.status === 'reauth_required';
    }, 12_000);
    expect(marked).toBe(true);
    expect((await readToken(readerB, connection.id)).statusCode).toBe(409);
    expect((await readToken(schedulerA, connection.id)).statusCode).toBe(409);
  }, 20_000);

  it('lets two replicas claim disjoint batches of due connections', async () => {
    const ids = (
      await query<{ id: string }>(
        database.url,
        `SELECT id FROM connections WHERE status = 'active' AND type = 'oauth'`,
      )
    ).map((r) => r.id);
    await query(
      database.url,
      `UPDATE connections SET refresh_due_at = now() - interval '1 second', lease_expires_at = NULL WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    const { RefreshRepository } = await import('../../apps/broker/src/refresh/refresh.repository.js');
    const [a, b] = await Promise.all([
      schedulerA.app.get(RefreshRepository).claimDue(ids.length, 60_000),
      readerB.app.get(RefreshRepository).claimDue(ids.length, 60_000),
    ]);
    const claimed = [...a.claims, ...b.claims].map((c) => c.connectionId);
    expect(new Set(claimed).size).toBe(claimed.length);
    expect(claimed.length).toBeLessThanOrEqual(ids.length);
    await query(
      database.url,
      `UPDATE connections SET lease_expires_at = NULL, lease_token = NULL WHERE id = ANY($1::uuid[])`,
      [ids],
    );
  });

  it('reports a refresh token that ran out instead of failing silently', async () => {
    const connection = await connectOAuth(readerB, { sub: 'w0', masterSipId: '3141592' });
    await query(
      database.url,
      `UPDATE connections SET refresh_token_expires_at = now() - interval '1 minute' WHERE id = $1`,
      [connection.id],
    );
    await schedulerA.app.get(RefreshScheduler).housekeeping();
    const view = await readerB.app.inject({
      url: `/v1/connections/${connection.id}`,
      headers: readerB.admin,
    });
    expect(view.json()).toMatchObject({ status: 'reauth_required' });
    expect(view.json<{ lastError: string }>().lastError).toMatch(/refresh token expired/);
  });
});
