import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateEncryptionKey } from '#libs/crypto';
import { type EmbeddedDatabase, startEmbeddedPostgres } from '#libs/database';
import type { Sandbox } from '#libs/sandbox';
import { BrokerFleet, type RunningBroker } from '../support/broker-fleet.js';
import { eventually, refresherRows, sandboxUsers, startShortLivedSandbox } from '../support/chaos.js';
import type { ConnectionJson } from '../support/connect-flow.js';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text.js';
import { runRotateKeysCli } from '../support/rotate-keys-cli.js';
import { TEST_CLIENT } from '../support/sandboxed-broker.js';
import { sql } from '../support/sql.js';
import { userinfo } from '../support/token-consumers.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

/** Long enough that the connection comes due only when the test makes it so. */
const TTL_SECONDS = 300;
/** sipgate calls time out after 5 s: leases last 15 s, and so does the takeover grace (lease-rule.ts). */
const SIPGATE_TIMEOUT_MS = 5_000;
const LEASE_MS = 15_000;
const GRACE_MS = LEASE_MS;
/** sipgate answers the refresh in flight only once Postgres is down, well within the timeout. */
const SIPGATE_DELAY_MS = 2_000;
/** Longer than the lease and the grace together, with room to spare. */
const DOWNTIME_MS = LEASE_MS + GRACE_MS + 3_000;
const k1 = generateEncryptionKey('k1');
const k2 = generateEncryptionKey('k2');

describe('Postgres down for longer than a lease while a refresh is in flight', () => {
  let dir: string;
  let postgres: EmbeddedDatabase;
  let sandbox: Sandbox;
  let receiver: WebhookReceiver;
  let fleet: BrokerFleet;
  let env: NodeJS.ProcessEnv;
  // A server of its own: stopping the one every other spec file uses would break them.
  const startPostgres = () =>
    startEmbeddedPostgres(join(dir, 'data'), { databaseName: 'broker', fsync: false });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'broker-chaos-outage-'));
    await chmod(dir, 0o711); // as root, Postgres runs as the postgres user and must reach its directory
    postgres = await startPostgres();
    sandbox = await startShortLivedSandbox(TTL_SECONDS, sandboxUsers(1));
    receiver = await startWebhookReceiver();
    env = {
      BROKER_ENCRYPTION_KEYS: k1,
      BROKER_WEBHOOK_URL: receiver.url,
      BROKER_WEBHOOK_SECRET: randomBytes(32).toString('hex'),
      REFRESH_MARGIN_SECONDS: '5',
      REFRESH_TICK_MS: '250',
      SIPGATE_HTTP_TIMEOUT_MS: String(SIPGATE_TIMEOUT_MS),
    };
    fleet = new BrokerFleet({ databaseUrl: postgres.url, sandbox, env });
  }, 60_000);

  afterAll(async () => {
    sandbox?.setTokenEndpointFault(null);
    await fleet?.killAll();
    await receiver?.close();
    await sandbox?.close();
    await postgres?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('spends no refresh token twice, keeps the connection active, and a key rotation at recovery changes nothing of it', async () => {
    // Connected before the new key was rolled out: its refresh token is sealed under k1.
    const setup = await fleet.start('setup', { REFRESH_SCHEDULER: 'off' });
    const connection: ConnectionJson = await setup.connect(sandboxUsers(1)[0]!);
    await setup.stop();
    const rolledOut = { BROKER_ENCRYPTION_KEYS: `${k2},${k1}` };
    // One after the other: two Nest start-ups at once on a loaded 2-core machine can take longer
    // than the fleet waits for one.
    const brokers = [await fleet.start('a', rolledOut), await fleet.start('b', rolledOut)];
    // The refresh comes due now, and sipgate is slow to answer it.
    sandbox.setTokenEndpointFault({ delayMs: SIPGATE_DELAY_MS, times: 1 });
    const requests = sandbox.stats().tokenEndpointRequests;
    await sql(postgres.url, `UPDATE connections SET refresh_due_at = now() WHERE id = $1`, [connection.id]);

    // One replica's scheduler has claimed the connection and its request is at sipgate: stop Postgres.
    await eventually(
      'a refresh at sipgate',
      5_000,
      () => sandbox.stats().tokenEndpointRequests > requests,
      20,
    );
    await postgres.stop();
    const stoppedAt = Date.now();
    // sipgate answers; the holder cannot store the rotated tokens and keeps them in memory.
    await eventually('a write-back failing', 10_000, () =>
      brokers.some((b) => b.process.lines.some((l) => l.includes('storing rotated tokens failed'))),
    );
    expect(sandbox.stats().refreshesSucceeded).toBe(1);
    await sleep(stoppedAt + DOWNTIME_MS - Date.now());

    postgres = await startPostgres(); // same directory, same port (kept in postgres.json)
    // The operator rotates keys the moment the database is back, with the same configuration.
    const rotation = runRotateKeysCli({
      PATH: process.env.PATH,
      DATA_DIR: await mkdtemp(join(dir, 'rotate-')),
      DATABASE_URL: postgres.url,
      ...env,
      ...rolledOut,
      BROKER_ADMIN_API_KEY: fleet.adminKey,
      SIPGATE_CLIENT_ID: TEST_CLIENT.clientId,
      SIPGATE_CLIENT_SECRET: TEST_CLIENT.clientSecret,
    });

    // The holder stores what it got during the outage...
    await eventually('stored by the holder', 15_000, async () => {
      const [row] = await refresherRows(postgres.url, [connection.id]);
      return row!.last_refreshed_at!.getTime() > stoppedAt;
    });
    expect(sandbox.stats()).toMatchObject({ refreshTokenReuses: 0, refreshFailures: 0 });
    // ... and what it stored is the valid refresh token: an admin's refresh on either replica spends it.
    expect((await brokers[1]!.request('POST', `/v1/connections/${connection.id}/refresh`)).status).toBe(200);
    expect(sandbox.stats()).toMatchObject({
      refreshesSucceeded: 2,
      refreshTokenReuses: 0,
      refreshFailures: 0,
    });
    const rotated = await rotation;
    expect(rotated.output).toMatch(/Done: every secret is encrypted under 'k2'/);
    expect(rotated.code).toBe(0);

    const [row] = await refresherRows(postgres.url, [connection.id]);
    expect(row).toMatchObject({ status: 'active', failure_count: 0, last_error: null });
    // Nobody ever took it for dead, not even for a moment: no event recorded, sent or counted.
    const events = await sql<{ type: string }>(postgres.url, `SELECT type FROM webhook_events`);
    expect(events.map((e) => e.type)).not.toContain('connection.reauth_required');
    expect(receiver.received.map((hook) => hook.headers['x-broker-event'])).not.toContain(
      'connection.reauth_required',
    );
    for (const broker of brokers) {
      expect(await reauthEventsCounted(broker)).toBe(0);
      const view = await broker.request<ConnectionJson>('GET', `/v1/connections/${connection.id}`);
      expect(view.body.status).toBe('active');
      // Consumers get tokens sipgate accepts, from either replica.
      const read = await broker.token(connection.id, { minValidity: 2 });
      expect(read.status).toBe(200);
      expect(await userinfo(sandbox, read.body.authorizationHeader)).toMatchObject({
        sub: connection.sipgateUserId,
      });
    }
  }, 120_000);
});

async function reauthEventsCounted(broker: RunningBroker): Promise<number> {
  const text = await (await fetch(`${broker.url}/metrics`)).text();
  return sampleValue(parsePrometheusText(text), 'broker_connection_events_total', {
    event: 'connection.reauth_required',
  });
}
