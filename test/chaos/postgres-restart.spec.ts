import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type EmbeddedDatabase, startEmbeddedPostgres } from '#libs/database';
import type { Sandbox } from '#libs/sandbox';
import { BrokerFleet, type RunningBroker } from '../support/broker-fleet.js';
import {
  eventually,
  refresherRows,
  repeatUntilStopped,
  sandboxUsers,
  startShortLivedSandbox,
  stopAllLoops,
} from '../support/chaos.js';
import { type ObservedRead, observeRead, servedExpired, userinfo } from '../support/token-consumers.js';
import type { ConnectionJson } from '../support/connect-flow.js';

const TTL_SECONDS = 20;
const DOWNTIME_MS = 8_000;
/** Reads asking for more than the cached token has left after a few seconds need the database. */
const MIN_VALIDITIES = [0, 15];

describe('Postgres restarted under a running broker', () => {
  let dir: string;
  let postgres: EmbeddedDatabase;
  let sandbox: Sandbox;
  let fleet: BrokerFleet;
  let broker: RunningBroker;
  // A server of its own: stopping the one every other spec file uses would break them.
  const startPostgres = () =>
    startEmbeddedPostgres(dir, { databaseName: 'broker', fsync: false, temporary: true });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'broker-chaos-pg-'));
    postgres = await startPostgres();
    sandbox = await startShortLivedSandbox(TTL_SECONDS, sandboxUsers(2));
    fleet = new BrokerFleet({
      databaseUrl: postgres.url, // the broker migrates it at start-up
      sandbox,
      env: { REFRESH_MARGIN_SECONDS: '5', REFRESH_TICK_MS: '250', SIPGATE_HTTP_TIMEOUT_MS: '2000' },
    });
    broker = await fleet.start('broker');
  }, 90_000);

  afterAll(async () => {
    await stopAllLoops();
    await fleet?.killAll();
    await sandbox?.close();
    await postgres?.discard();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('keeps serving cached valid tokens to known API keys while Postgres is down, then reconnects and resumes refreshing', async () => {
    const connections: ConnectionJson[] = [];
    for (const user of sandboxUsers(2)) connections.push(await broker.connect(user));
    const ids = connections.map((c) => c.id);
    const created = await broker.request<{ key: string }>('POST', '/v1/api-keys', {
      body: { name: 'consumer', scopes: ['tokens:read'] },
    });
    expect(created.status).toBe(201);
    const consumer = `Bearer ${created.body.key}`;
    // Fresh tokens, seen once by the consumer's key: both are now cached in the broker.
    for (const id of ids) {
      expect((await broker.request('POST', `/v1/connections/${id}/refresh`)).status).toBe(200);
      expect((await broker.token(id, { minValidity: 0, authorization: consumer })).status).toBe(200);
    }

    await postgres.stop();
    const stoppedAt = Date.now();
    await eventually(
      'readiness reports the database down',
      5_000,
      async () => (await broker.readiness()) === 503,
    );
    const reads: (ObservedRead & { accepted: boolean })[] = [];
    const readers = repeatUntilStopped(async () => {
      for (const id of ids) {
        for (const minValidity of MIN_VALIDITIES) {
          const read = await observeRead(broker, id, { minValidity, authorization: consumer });
          const accepted =
            read.status === 200 && (await userinfo(sandbox, read.body.authorizationHeader)) !== null;
          reads.push({ ...read, accepted });
        }
      }
    }, 250);
    await sleep(DOWNTIME_MS);
    await readers.stop();
    expect(await broker.readiness()).toBe(503);

    postgres = await startPostgres(); // same directory, same port (kept in postgres.json)
    const restartedAt = Date.now();

    // While it was down: every read answered with a valid token that sipgate accepts.
    expect(readers.errors).toEqual([]);
    expect(reads.length).toBeGreaterThan(20);
    expect(reads.filter((r) => r.status !== 200 || !r.accepted || servedExpired(r))).toEqual([]);
    // Some of them asked for more than the cached token had left: those needed the fallback.
    const cachedLeft = (r: ObservedRead) => Date.parse(r.body.expiresAt!) - r.receivedAt;
    expect(reads.some((r) => r.body.expiresAt && cachedLeft(r) < 15_000)).toBe(true);

    // Back by itself: readiness, the change feed listener, the refresher.
    await eventually('ready again', 15_000, async () => (await broker.readiness()) === 200, 250);
    await eventually('change feed reconnected', 15_000, () =>
      broker.process.lines.some((l) => l.includes('change feed listener reconnected')),
    );
    const refreshed = await eventually(
      'refreshing resumed',
      30_000,
      async () => {
        const rows = await refresherRows(postgres.url, ids);
        return rows.every((r) => r.last_refreshed_at!.getTime() > restartedAt) && rows;
      },
      250,
    );
    for (const row of refreshed) {
      expect(row.status).toBe('active');
      expect(row.last_refreshed_at!.getTime()).toBeGreaterThan(stoppedAt);
    }
    for (const connection of connections) {
      const read = await broker.token(connection.id, { minValidity: 2, authorization: consumer });
      expect(read.status).toBe(200);
      expect(await userinfo(sandbox, read.body.authorizationHeader)).toMatchObject({
        sub: connection.sipgateUserId,
      });
    }
    expect(sandbox.stats()).toMatchObject({ refreshFailures: 0, refreshTokenReuses: 0 });

    // The reconnected listener hears other replicas again: one disconnects an account, and this
    // broker drops the token it has cached for it (no change feed: it would serve it until expiry).
    const [gone] = connections;
    expect((await broker.token(gone!.id, { minValidity: 0, authorization: consumer })).status).toBe(200);
    const other = await fleet.start('other', { REFRESH_SCHEDULER: 'off' });
    expect((await other.request('DELETE', `/v1/connections/${gone!.id}`)).status).toBe(204);
    await eventually('the disconnect heard through the change feed', 2_000, async () => {
      const read = await broker.token(gone!.id, { minValidity: 0, authorization: consumer });
      return read.status === 404;
    });
  }, 120_000);
});
