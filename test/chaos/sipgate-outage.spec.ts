import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Sandbox } from '#libs/sandbox';
import type { TestDatabase } from '#libs/testing';
import type { RunningBroker } from '../support/broker-fleet.js';
import {
  type ChaosStage,
  eventually,
  refresherRows,
  sandboxUsers,
  startChaosStage,
} from '../support/chaos.js';
import { brokenPromises, readContinuously, userinfo } from '../support/token-consumers.js';
import type { ConnectionJson } from '../support/connect-flow.js';

const TTL_SECONDS = 10;
const TIMEOUT_MS = 1_000;
const TICK_MS = 250;
/** sipgate answers 503 for this long, then does not answer in time (delays beyond the broker's timeout). */
const UNAVAILABLE_MS = 6_000;
const TIMING_OUT_MS = 8_000;
/** Readers ask for 5 s: more than the scheduler's margin, so they also trigger on-demand refreshes. */
const MIN_VALIDITY = 5;

/** The ceiling of the refresher's backoff after `failures` transient failures (see retryDelayMs). */
const backoffCeilingMs = (failures: number) => Math.min(300_000, 2_000 * 2 ** Math.max(0, failures - 1));

describe("sipgate's token endpoint failing for longer than a token lifetime", () => {
  let stage: ChaosStage;
  let database: TestDatabase;
  let sandbox: Sandbox;
  let broker: RunningBroker;
  let connections: ConnectionJson[];

  beforeAll(async () => {
    stage = await startChaosStage(TTL_SECONDS, sandboxUsers(2), {
      REFRESH_MARGIN_SECONDS: '3',
      REFRESH_TICK_MS: String(TICK_MS),
      SIPGATE_HTTP_TIMEOUT_MS: String(TIMEOUT_MS),
    });
    ({ database, sandbox } = stage);
    broker = await stage.fleet.start('broker');
  }, 60_000);

  afterAll(() => stage?.stop());

  it('keeps every connection active, serves still-valid tokens, answers 503 with Retry-After only once none is left, and resumes by itself', async () => {
    connections = [];
    for (const user of sandboxUsers(2)) connections.push(await broker.connect(user));
    const ids = connections.map((c) => c.id);
    const consumers = readContinuously([broker], ids, { minValidity: MIN_VALIDITY, sandbox });
    for (const row of await refresherRows(database.url, ids))
      consumers.seed(row.id, row.access_token_expires_at);

    const faultStart = Date.now();
    sandbox.setTokenEndpointFault({ status: 503 });
    await sleep(UNAVAILABLE_MS);
    sandbox.setTokenEndpointFault({ delayMs: 2 * TIMEOUT_MS + 500 });
    await sleep(TIMING_OUT_MS);
    await consumers.stop();
    const outage = consumers.reads.filter((r) => r.receivedAt >= faultStart);
    const duringOutage = sandbox.stats();
    sandbox.setTokenEndpointFault(null);
    const clearedAt = Date.now();

    // The outage outlasted every token the broker held.
    const lastExpiry = Math.max(...consumers.validUntil.values());
    expect(lastExpiry).toBeLessThan(clearedAt);
    expect(clearedAt - faultStart).toBeGreaterThan(TTL_SECONDS * 1000);
    // Nobody is sent to re-authorize because sipgate was down; still-valid tokens are served (and work
    // at sipgate); 503, with Retry-After, only once no valid token was left.
    expect(consumers.errors).toEqual([]);
    expect(brokenPromises(outage)).toEqual([]);
    const rows = await refresherRows(database.url, ids);
    expect(rows.map((r) => r.status)).toEqual(ids.map(() => 'active'));
    for (const id of ids) {
      const ofConnection = outage.filter((r) => r.connectionId === id);
      expect(ofConnection.some((r) => r.status === 200 && r.accepted)).toBe(true);
      expect(ofConnection.some((r) => r.status === 503)).toBe(true);
    }
    expect(duringOutage).toMatchObject({
      refreshesSucceeded: 0,
      refreshFailures: 0,
      refreshTokenReuses: 0,
    });

    // No reads, no admin: once the attempts still in flight have timed out, each connection waits for
    // the retry time it recorded, which the capped backoff bounds, and then is refreshed by itself.
    const settled = await eventually('attempts in flight settled', 2 * TIMEOUT_MS + 1_000, async () => {
      const current = await refresherRows(database.url, ids);
      return (
        current.every((r) => !r.lease_expires_at || r.lease_expires_at.getTime() < Date.now()) && current
      );
    });
    const settledAt = Date.now();
    const waiting = settled.filter((r) => r.failure_count > 0); // the others were refreshed already
    for (const row of waiting) {
      expect(row.refresh_due_at!.getTime()).toBeLessThanOrEqual(
        settledAt + backoffCeilingMs(row.failure_count),
      );
    }
    const retryBy = Math.max(settledAt, ...waiting.map((r) => r.refresh_due_at!.getTime())) + TICK_MS + 2_000;
    const recovered = await eventually('fresh again', Math.max(0, retryBy - Date.now()), async () => {
      const current = await refresherRows(database.url, ids);
      return (
        current.every((r) => r.last_refreshed_at!.getTime() > clearedAt && r.failure_count === 0) && current
      );
    });
    for (const row of recovered) {
      expect(row.status).toBe('active');
      expect(row.last_error).toBeNull();
      expect(row.access_token_expires_at!.getTime()).toBeGreaterThan(Date.now());
    }
    for (const connection of connections) {
      const read = await broker.token(connection.id, { minValidity: 2 });
      expect(read.status).toBe(200);
      expect(await userinfo(sandbox, read.body.authorizationHeader)).toMatchObject({
        sub: connection.sipgateUserId,
        masterSipId: connection.sipgateAccountId,
      });
    }
    expect(sandbox.stats()).toMatchObject({ refreshFailures: 0, refreshTokenReuses: 0 });
  }, 90_000);
});
