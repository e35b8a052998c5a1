import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { Sandbox } from '#libs/sandbox';
import type { TestDatabase } from '#libs/testing';
import type { BrokerFleet, RunningBroker } from '../support/broker-fleet.js';
import {
  type ChaosStage,
  eventually,
  refresherRows,
  sandboxUsers,
  startChaosStage,
} from '../support/chaos.js';
import { brokenPromises, readContinuously, userinfo } from '../support/token-consumers.js';
import type { ConnectionJson } from '../support/connect-flow.js';
import { sql } from '../support/sql.js';

const TTL_SECONDS = 15;
const USERS = sandboxUsers(3);
const REFRESH_ENV = { REFRESH_MARGIN_SECONDS: '5', REFRESH_TICK_MS: '250' };
/** sipgate calls of the broker that gets killed may take 6 s, so its leases last 18 s (3 × the timeout). */
const SLOW_TIMEOUT = { SIPGATE_HTTP_TIMEOUT_MS: '6000' };
/** A survivor with a 1 s timeout takes leases of 10 s (the minimum): shorter than the killed broker's. */
const FAST_TIMEOUT = { SIPGATE_HTTP_TIMEOUT_MS: '1000' };
const SURVIVOR_LEASE_MS = 10_000;

interface Lease {
  id: string;
  lease_expires_at: Date;
}

/** Leases whose expiry lies more than `longerThanMs` ahead: only a broker with longer leases can hold them. */
const leasesLongerThan = (url: string, longerThanMs: number) =>
  sql<Lease>(
    url,
    `SELECT id, lease_expires_at FROM connections
      WHERE lease_expires_at > now() + $1 * interval '1 millisecond' ORDER BY id`,
    [longerThanMs],
  );

describe('a broker killed with SIGKILL in the middle of refreshing', () => {
  let stage: ChaosStage;
  let database: TestDatabase;
  let sandbox: Sandbox;
  let fleet: BrokerFleet;
  let connections: ConnectionJson[];

  beforeEach(async () => {
    stage = await startChaosStage(TTL_SECONDS, USERS, REFRESH_ENV);
    ({ database, sandbox, fleet } = stage);
  });

  afterEach(() => stage?.stop());

  const connectAll = async (broker: RunningBroker) => {
    connections = [];
    for (const user of USERS) connections.push(await broker.connect(user));
    return connections.map((c) => c.id);
  };

  /** Every connection refreshed after `since`, still active, none reused, and its token valid at sipgate. */
  const expectAllRecovered = async (reader: RunningBroker, ids: string[], since: number) => {
    const rows = await refresherRows(database.url, ids);
    for (const row of rows) {
      expect(row.status).toBe('active');
      expect(row.last_refreshed_at!.getTime()).toBeGreaterThan(since);
    }
    const stats = sandbox.stats();
    expect(stats.refreshTokenReuses).toBe(0);
    expect(stats.refreshFailures).toBe(0);
    for (const connection of connections) {
      const read = await reader.token(connection.id, { minValidity: 2 });
      expect(read.status).toBe(200);
      expect(await userinfo(sandbox, read.body.authorizationHeader)).toMatchObject({
        sub: connection.sipgateUserId,
        masterSipId: connection.sipgateAccountId,
      });
    }
  };

  it('loses no connection: a broker started afterwards refreshes each one once the dead leases expire, with no reuse', async () => {
    const victim = await fleet.start('victim', { ...SLOW_TIMEOUT });
    const ids = await connectAll(victim);
    const requestsBefore = sandbox.stats().tokenEndpointRequests;

    // sipgate turns slow: the refreshes the scheduler starts when the tokens come due hang there.
    sandbox.setTokenEndpointFault({ delayMs: 120_000 });
    const inFlight = await eventually(
      'all connections leased',
      TTL_SECONDS * 1000 + 5_000,
      async () => {
        const leased = await leasesLongerThan(database.url, 0);
        return (
          leased.length === ids.length &&
          sandbox.stats().tokenEndpointRequests - requestsBefore >= ids.length &&
          leased
        );
      },
      50,
    );
    await victim.stop('SIGKILL');
    const killedAt = Date.now();
    sandbox.setTokenEndpointFault(null);

    const successor = await fleet.start('successor', { ...FAST_TIMEOUT });
    // Consumers move to the new broker at once, while the dead broker's leases still stand.
    const consumers = readContinuously([successor], ids, { minValidity: 2, sandbox });
    for (const row of await refresherRows(database.url, ids))
      consumers.seed(row.id, row.access_token_expires_at);
    const deadline = Math.max(...inFlight.map((l) => l.lease_expires_at.getTime())) + 5_000;
    const rows = await eventually('every connection refreshed again', deadline - Date.now(), async () => {
      const current = await refresherRows(database.url, ids);
      return current.every((r) => (r.last_refreshed_at?.getTime() ?? 0) > killedAt) && current;
    });
    // Nobody spent a refresh token the dead broker had leased before its lease ran out.
    for (const lease of inFlight) {
      const row = rows.find((r) => r.id === lease.id)!;
      expect(row.last_refreshed_at!.getTime()).toBeGreaterThanOrEqual(lease.lease_expires_at.getTime());
    }
    await consumers.stop();
    expect(consumers.errors).toEqual([]);
    expect(brokenPromises(consumers.reads)).toEqual([]);
    expect(sandbox.stats().refreshesSucceeded).toBe(ids.length);
    await expectAllRecovered(successor, ids, killedAt);
  }, 60_000);

  it('loses no connection when another replica, already running, takes over the dead leases, with no reuse', async () => {
    const [victim, survivor] = await Promise.all([
      // The victim ticks often and the survivor rarely, so the victim wins most races for due
      // refreshes (with equal ticks, their fixed phases could hand every race to the survivor).
      fleet.start('victim', { ...SLOW_TIMEOUT, REFRESH_TICK_MS: '100' }),
      fleet.start('survivor', { ...FAST_TIMEOUT, REFRESH_TICK_MS: '1000' }),
    ]);
    const ids = await connectAll(survivor);
    for (const id of ids) expect((await victim.token(id, { minValidity: 0 })).status).toBe(200);
    const consumers = readContinuously([survivor], ids, { minValidity: 2, sandbox });
    for (const row of await refresherRows(database.url, ids))
      consumers.seed(row.id, row.access_token_expires_at);

    // Both replicas claim due refreshes; the survivor's calls time out after 1 s and back off, the
    // victim's hang for up to 6 s. Its leases are the ones longer than the survivor's can be.
    sandbox.setTokenEndpointFault({ delayMs: 120_000 });
    let firstSeen: number | undefined;
    const victimsLeases = await eventually(
      'the victim mid-refresh',
      TTL_SECONDS * 1000 + 10_000,
      async () => {
        const leased = await leasesLongerThan(database.url, SURVIVOR_LEASE_MS + 500);
        if (!leased.length) return false;
        firstSeen ??= Date.now();
        // As many as it gets within 2 s (well inside its 6 s timeout, so all still in flight).
        return (leased.length === ids.length || Date.now() - firstSeen > 2_000) && leased;
      },
      50,
    );
    await victim.stop('SIGKILL');
    const killedAt = Date.now();
    sandbox.setTokenEndpointFault(null);

    const deadline = Math.max(...victimsLeases.map((l) => l.lease_expires_at.getTime())) + 10_000;
    const rows = await eventually(
      'every connection refreshed by the survivor',
      deadline - Date.now(),
      async () => {
        const current = await refresherRows(database.url, ids);
        return current.every((r) => (r.last_refreshed_at?.getTime() ?? 0) > killedAt) && current;
      },
    );
    for (const lease of victimsLeases) {
      const row = rows.find((r) => r.id === lease.id)!;
      expect(row.last_refreshed_at!.getTime()).toBeGreaterThanOrEqual(lease.lease_expires_at.getTime());
    }
    await consumers.stop();
    expect(consumers.errors).toEqual([]);
    expect(brokenPromises(consumers.reads)).toEqual([]);
    await expectAllRecovered(survivor, ids, killedAt);
  }, 60_000);
});
