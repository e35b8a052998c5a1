import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { KEY_LOOKUP_CONCURRENCY } from '../../apps/broker/src/auth/key-lookup-gate.js';
import type { RunningBroker } from '../support/broker-fleet.js';
import { type ChaosStage, repeatUntilStopped, sandboxUsers, startChaosStage } from '../support/chaos.js';
import type { ConnectionJson } from '../support/connect-flow.js';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text.js';
import { sql } from '../support/sql.js';

const RANDOM_KEYS = 20_000;
const IN_FLIGHT = 200;
const [USER] = sandboxUsers(1);

describe('a flood of random API keys against one broker process', () => {
  let stage: ChaosStage;
  let broker: RunningBroker;
  let connection: ConnectionJson;
  let consumer: string;

  beforeAll(async () => {
    // Tokens live an hour: nothing needs refreshing while the flood runs.
    stage = await startChaosStage(3_600, [USER!], {});
    broker = await stage.fleet.start('flooded');
    connection = await broker.connect(USER!);
    const created = await broker.request<{ key: string }>('POST', '/v1/api-keys', {
      body: { name: 'steady consumer', scopes: ['tokens:read'] },
    });
    if (created.status !== 201) throw new Error(`creating the consumer's key answered ${created.status}`);
    consumer = `Bearer ${created.body.key}`;
  }, 90_000);
  afterAll(() => stage?.stop());

  /**
   * 20,000 made-up keys, IN_FLIGHT at a time over real HTTP (node:http on kept-alive sockets: it
   * leaves the broker more of the CPU than fetch); the answers by status, 0 for no answer.
   */
  async function flood(): Promise<{ statuses: Map<number, number>; withoutRetryAfter: number }> {
    const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
    const url = new URL(`${broker.url}/v1/connections/${connection.id}/token`);
    const statuses = new Map<number, number>();
    let withoutRetryAfter = 0;
    const send = (key: string) =>
      new Promise<number>((resolve) => {
        const sent = request(url, { agent, headers: { authorization: `Bearer ${key}` } }, (response) => {
          const status = response.statusCode ?? 0;
          if (status === 503 && !(Number(response.headers['retry-after']) >= 1)) withoutRetryAfter++;
          response.resume().on('end', () => resolve(status));
        });
        sent.on('error', () => resolve(0)).end();
      });
    let sent = 0;
    const worker = async () => {
      while (sent < RANDOM_KEYS) {
        sent++;
        const status = await send(`sgtb_${randomBytes(32).toString('base64url')}`);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    agent.destroy();
    return { statuses, withoutRetryAfter };
  }

  it('keeps answering the valid key with 200, bounds the key lookups in Postgres, and stays ready', async () => {
    expect((await broker.token(connection.id, { authorization: consumer })).status).toBe(200);
    const reads: number[] = [];
    const reader = repeatUntilStopped(async () => {
      reads.push((await broker.token(connection.id, { authorization: consumer })).status);
    }, 20);
    // What the flood does to Postgres and to the broker's pool, seen from outside the broker.
    const observed = { connections: 0, lookups: 0, poolWaiting: 0, readiness: new Set<number>() };
    const observer = repeatUntilStopped(async () => {
      const [activity] = await sql<{ connections: number; lookups: number }>(
        stage.database.url,
        `SELECT count(*)::int AS connections,
                count(*) FILTER (WHERE state = 'active' AND query LIKE '%"api_keys"%')::int AS lookups
           FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      );
      observed.connections = Math.max(observed.connections, activity!.connections);
      observed.lookups = Math.max(observed.lookups, activity!.lookups);
      const metrics = parsePrometheusText(await (await fetch(`${broker.url}/metrics`)).text());
      observed.poolWaiting = Math.max(
        observed.poolWaiting,
        sampleValue(metrics, 'broker_db_pool_waiting_requests'),
      );
      observed.readiness.add(await broker.readiness());
    }, 50);

    const { statuses, withoutRetryAfter } = await flood();
    await reader.stop();
    await observer.stop();

    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(RANDOM_KEYS);
    // Unknown keys: 401, or 503 with Retry-After when too many lookups are already waiting.
    expect([...statuses.keys()].filter((status) => status !== 401 && status !== 503)).toEqual([]);
    expect(withoutRetryAfter).toBe(0);
    expect(reader.errors).toEqual([]);
    expect(reads.length).toBeGreaterThan(10);
    expect(reads.filter((status) => status !== 200)).toEqual([]);
    expect(observer.errors).toEqual([]);
    // The pool (10) and the change-feed listener are all the broker ever opens, and key lookups run
    // KEY_LOOKUP_CONCURRENCY at a time, so the rest of the broker always finds a free connection. A
    // query waits a tick for an idle one as it checks out (pg-pool queues it before handing one
    // over), so a few waiting show up now and then; a starved pool shows as one per request in flight.
    expect(observed.connections).toBeLessThanOrEqual(11);
    expect(observed.lookups).toBeLessThanOrEqual(KEY_LOOKUP_CONCURRENCY);
    expect(observed.poolWaiting).toBeLessThanOrEqual(KEY_LOOKUP_CONCURRENCY);
    expect([...observed.readiness]).toEqual([200]);
    // Afterwards the valid key reads as before.
    expect((await broker.token(connection.id, { authorization: consumer })).status).toBe(200);
  }, 600_000);
});
