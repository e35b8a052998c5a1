import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Sandbox } from '#libs/sandbox';
import type { TestDatabase } from '#libs/testing';
import type { RunningBroker } from '../support/broker-fleet.js';
import {
  type ChaosStage,
  eventually,
  refresherRows,
  repeatUntilStopped,
  sandboxUsers,
  startChaosStage,
} from '../support/chaos.js';
import { observeRead, userinfo } from '../support/token-consumers.js';
import type { ConnectionJson } from '../support/connect-flow.js';

const TTL_SECONDS = 15;
const MARGIN_SECONDS = 5;
const TICK_MS = 250;
const WINDOW_MS = 60_000;
const USERS = sandboxUsers(5);

/**
 * A refresh is due `MARGIN` before expiry minus up to 10 % of the lifetime of jitter (refreshDueAt),
 * and is claimed at the next tick of any replica: so one cycle lasts between these two bounds.
 */
const CYCLE_MIN_MS = (TTL_SECONDS - MARGIN_SECONDS - TTL_SECONDS * 0.1) * 1000;
const CYCLE_MAX_MS = (TTL_SECONDS - MARGIN_SECONDS) * 1000 + TICK_MS + 1_000;

describe('three broker processes on one database', () => {
  let stage: ChaosStage;
  let database: TestDatabase;
  let sandbox: Sandbox;
  let brokers: RunningBroker[];
  let connections: ConnectionJson[];

  beforeAll(async () => {
    stage = await startChaosStage(TTL_SECONDS, USERS, {
      REFRESH_MARGIN_SECONDS: String(MARGIN_SECONDS),
      REFRESH_TICK_MS: String(TICK_MS),
      SIPGATE_HTTP_TIMEOUT_MS: '2000',
    });
    ({ database, sandbox } = stage);
    brokers = await Promise.all(['a', 'b', 'c'].map((name) => stage.fleet.start(name)));
    // Each account is connected through another replica: the OAuth state travels through the database.
    connections = [];
    for (const [i, user] of USERS.entries()) connections.push(await brokers[i % 3]!.connect(user));
  }, 90_000);

  afterAll(() => stage?.stop());

  it('refreshes each connection once per cycle for a minute, reuses no refresh token, and every read on every instance is valid', async () => {
    const ids = connections.map((c) => c.id);
    const userOf = new Map(connections.map((c) => [c.id, `${c.sipgateUserId}@${c.sipgateAccountId}`]));
    // sipgate answers in 300 ms, as over the internet: every refresh spans a tick of the other replicas.
    sandbox.setTokenEndpointFault({ delayMs: 300 });
    const before = sandbox.stats();
    const startedAt = Date.now();

    // Every refresh, as the database records it: when, and whether the previous token was still valid.
    const refreshes = new Map<string, { at: number; previousExpiry: number }[]>(ids.map((id) => [id, []]));
    const last = new Map(
      (await refresherRows(database.url, ids)).map((r) => [
        r.id,
        { refreshedAt: r.last_refreshed_at?.getTime() ?? 0, expiry: r.access_token_expires_at!.getTime() },
      ]),
    );
    const observer = repeatUntilStopped(async () => {
      for (const row of await refresherRows(database.url, ids)) {
        const seen = last.get(row.id)!;
        const refreshedAt = row.last_refreshed_at?.getTime() ?? 0;
        if (refreshedAt !== seen.refreshedAt) {
          refreshes.get(row.id)!.push({ at: refreshedAt, previousExpiry: seen.expiry });
        }
        last.set(row.id, { refreshedAt, expiry: row.access_token_expires_at!.getTime() });
      }
    }, 400);

    // Consumers on all three replicas, each asking for a token that stays valid for 2 s.
    const reads: { broker: string; status: number; acceptedAs: string | null; expected: string }[] = [];
    const readers = brokers.map((broker, b) => {
      let turn = b;
      return repeatUntilStopped(async () => {
        const id = ids[turn++ % ids.length]!;
        const read = await observeRead(broker, id, { minValidity: 2 });
        const identity = read.status === 200 ? await userinfo(sandbox, read.body.authorizationHeader) : null;
        reads.push({
          broker: broker.name,
          status: read.status,
          acceptedAs: identity && `${identity.sub}@${identity.masterSipId}`,
          expected: userOf.get(id)!,
        });
      }, 100);
    });

    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
    await Promise.all(readers.map((r) => r.stop()));
    await observer.stop();
    const windowMs = Date.now() - startedAt;
    const after = sandbox.stats();
    sandbox.setTokenEndpointFault(null);

    expect([observer, ...readers].flatMap((loop) => loop.errors)).toEqual([]);
    // Every read on every instance: 200, and the token is the right user's and accepted by sipgate.
    expect(reads.filter((r) => r.status !== 200 || r.acceptedAs !== r.expected)).toEqual([]);
    for (const broker of brokers) {
      expect(reads.filter((r) => r.broker === broker.name).length).toBeGreaterThan(100);
    }

    // Once per cycle: per connection between floor(window / longest cycle) and floor(window / shortest) + 1.
    const perConnectionMin = Math.floor(windowMs / CYCLE_MAX_MS);
    const perConnectionMax = Math.floor(windowMs / CYCLE_MIN_MS) + 1;
    for (const id of ids) {
      const seen = refreshes.get(id)!;
      expect(seen.length).toBeGreaterThanOrEqual(perConnectionMin);
      expect(seen.length).toBeLessThanOrEqual(perConnectionMax);
      // Each one before the previous token expired (readers ask for 2 s, less than the 5 s margin).
      for (const refresh of seen) expect(refresh.at).toBeLessThan(refresh.previousExpiry);
    }
    const succeeded = after.refreshesSucceeded - before.refreshesSucceeded;
    expect(succeeded).toBeGreaterThanOrEqual(ids.length * perConnectionMin);
    expect(succeeded).toBeLessThanOrEqual(ids.length * perConnectionMax);
    // The sandbox saw exactly the refreshes the database recorded (give or take one in flight at each edge).
    const recorded = [...refreshes.values()].reduce((sum, list) => sum + list.length, 0);
    expect(Math.abs(succeeded - recorded)).toBeLessThanOrEqual(ids.length);

    expect(after.refreshTokenReuses).toBe(0);
    expect(after.refreshFailures - before.refreshFailures).toBe(0);
    expect((await refresherRows(database.url, ids)).map((r) => r.status)).toEqual(ids.map(() => 'active'));
  }, 120_000);

  it('marks a grant revoked at the sandbox reauth_required within one cycle, and every instance answers 409', async () => {
    const victim = connections[1]!;
    const others = connections.filter((c) => c !== victim);
    for (const broker of brokers)
      expect((await broker.token(victim.id, { minValidity: 0 })).status).toBe(200);
    const before = sandbox.stats();

    expect(sandbox.revokeGrantsOf(victim.sipgateUserId, victim.sipgateAccountId)).toBe(1);
    const revokedAt = Date.now();
    const marked = await eventually('reauth_required', CYCLE_MAX_MS + 2_000, async () => {
      const [row] = await refresherRows(database.url, [victim.id]);
      return row?.status === 'reauth_required' && row;
    });
    expect(Date.now() - revokedAt).toBeLessThanOrEqual(CYCLE_MAX_MS + 2_000);
    expect(marked.last_error).toMatch(/invalid_grant/);

    // The replica that learnt it tells the others through the change feed; their cached tokens go.
    for (const broker of brokers) {
      const refused = await eventually(`409 on ${broker.name}`, 2_000, async () => {
        const answer = await broker.token(victim.id, { minValidity: 0 });
        return answer.status === 409 && answer;
      });
      expect(refused.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(refused.body).toMatchObject({ status: 409, type: expect.stringMatching(/reauth-required/) });
    }
    // One refused attempt, and no more: nobody retries a dead grant.
    await new Promise((resolve) => setTimeout(resolve, 2 * TICK_MS + 500));
    const after = sandbox.stats();
    expect(after.refreshFailures - before.refreshFailures).toBe(1);
    expect(after.refreshTokenReuses).toBe(0);

    // The other accounts are untouched.
    for (const [i, other] of others.entries()) {
      const read = await brokers[i % 3]!.token(other.id, { minValidity: 2 });
      expect(read.status).toBe(200);
      expect(await userinfo(sandbox, read.body.authorizationHeader)).toMatchObject({
        sub: other.sipgateUserId,
      });
    }
  }, 30_000);
});
