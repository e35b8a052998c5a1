import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PrismaService } from '#libs/database';
import { startTestBroker, type TestBroker } from '../support/broker-app.js';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text.js';

const AT_ONCE = 100;
/** Each query the two public endpoints run, recognised by its text. */
const COUNT_QUERY = /FROM connections GROUP BY/;
const MIGRATIONS_QUERY = /FROM _prisma_migrations/;

describe('/metrics and /health/ready under concurrent scrapes', () => {
  let broker: TestBroker;
  /** Text of every query sent through the broker's own pool (a pass-through counter, not a stand-in). */
  const queries: string[] = [];
  const sent = (pattern: RegExp) => queries.filter((text) => pattern.test(text)).length;

  beforeAll(async () => {
    broker = await startTestBroker();
    const { pool } = broker.app.get(PrismaService);
    const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
    pool.query = ((...args: unknown[]) => {
      const [first] = args;
      queries.push(typeof first === 'string' ? first : String((first as { text?: string }).text));
      return query(...args);
    }) as typeof pool.query;
  });
  afterAll(() => broker.close());

  const hitAtOnce = (url: string) =>
    Promise.all(Array.from({ length: AT_ONCE }, () => broker.app.inject({ url })));

  it('answers 100 simultaneous scrapes of /metrics with one connection count', async () => {
    const before = sent(COUNT_QUERY);
    const responses = await hitAtOnce('/metrics');
    expect(responses.map((r) => r.statusCode)).toEqual(Array(AT_ONCE).fill(200));
    for (const response of responses) {
      const samples = parsePrometheusText(response.body);
      expect(sampleValue(samples, 'broker_connections', { type: 'oauth', status: 'active' })).toBe(0);
    }
    expect(sent(COUNT_QUERY) - before).toBe(1);
  });

  it('answers 100 simultaneous readiness probes with one database check', async () => {
    const before = sent(MIGRATIONS_QUERY);
    const responses = await hitAtOnce('/health/ready');
    expect(responses.map((r) => r.statusCode)).toEqual(Array(AT_ONCE).fill(200));
    expect(responses[0]!.json()).toEqual({ status: 'ok', checks: { database: 'up', migrations: 'applied' } });
    expect(sent(MIGRATIONS_QUERY) - before).toBe(1);
  });

  it('asks the database again once the shared answer is a little over a second old', async () => {
    await sleep(1_100);
    const counts = sent(COUNT_QUERY);
    const checks = sent(MIGRATIONS_QUERY);
    expect((await broker.app.inject({ url: '/metrics' })).statusCode).toBe(200);
    expect((await broker.app.inject({ url: '/health/ready' })).statusCode).toBe(200);
    expect(sent(COUNT_QUERY)).toBe(counts + 1);
    expect(sent(MIGRATIONS_QUERY)).toBe(checks + 1);
  });
});
