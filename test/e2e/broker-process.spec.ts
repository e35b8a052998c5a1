import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { generateEncryptionKey } from '#libs/crypto';
import { createEmptyDatabase, type TestDatabase } from '#libs/testing';
import { type BrokerProcess, spawnBroker } from '../support/broker-process.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'broker-process-'));
/** As root, Postgres runs as the postgres user, which must be able to traverse to DATA_DIR. */
const embeddedDataDir = () => {
  const parent = tempDir();
  chmodSync(parent, 0o711);
  return join(parent, 'data');
};
const postgresProcessesUsing = (dir: string) => {
  try {
    return execFileSync('pgrep', ['-f', `postgres -D ${dir}`])
      .toString()
      .trim()
      .split('\n')
      .filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
};
const ready = async (broker: BrokerProcess) => (await fetch(`${await broker.url}/health/ready`)).status;

describe('the broker process', () => {
  const running: BrokerProcess[] = [];
  const databases: TestDatabase[] = [];
  const start = (env: NodeJS.ProcessEnv) => {
    const broker = spawnBroker(env);
    running.push(broker);
    return broker;
  };
  afterEach(async () => {
    await Promise.all(running.splice(0).map((b) => b.stop('SIGKILL')));
    await Promise.all(databases.splice(0).map((d) => d.drop()));
  });

  it('runs on an embedded Postgres, stops it on Ctrl-C, and keeps the data for the next start', async () => {
    const dataDir = embeddedDataDir();
    const first = start({ DATA_DIR: dataDir });
    expect(await ready(first)).toBe(200);
    expect(postgresProcessesUsing(dataDir)).toHaveLength(1);

    const { port, password } = JSON.parse(readFileSync(join(dataDir, 'postgres.json'), 'utf8'));
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'broker' });
    await client.connect();
    await client.query(
      `INSERT INTO api_keys (id, name, scopes, connection_ids, key_hash, key_prefix) VALUES (gen_random_uuid(), 'kept', '{}', '{}', '\\x00', 'x')`,
    );
    await client.end();

    expect(await first.stop('SIGINT')).toBe(0);
    expect(postgresProcessesUsing(dataDir)).toEqual([]);

    const second = start({ DATA_DIR: dataDir });
    expect(await ready(second)).toBe(200);
    expect(second.lines.join('\n')).toContain('database schema up to date');
    const again = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'broker' });
    await again.connect();
    expect((await again.query(`SELECT name FROM api_keys`)).rows).toEqual([{ name: 'kept' }]);
    await again.end();
    expect(await second.stop('SIGTERM')).toBe(0);
    expect(postgresProcessesUsing(dataDir)).toEqual([]);
  });

  it('recovers the embedded Postgres a killed broker left behind', async () => {
    const dataDir = embeddedDataDir();
    const killed = start({ DATA_DIR: dataDir });
    expect(await ready(killed)).toBe(200);
    await killed.stop('SIGKILL'); // its Postgres child is orphaned, still holding the data directory
    const next = start({ DATA_DIR: dataDir });
    expect(await ready(next)).toBe(200);
    expect(await next.stop('SIGINT')).toBe(0);
    expect(postgresProcessesUsing(dataDir)).toEqual([]);
  });

  it('migrates the database DATABASE_URL names, once, when two brokers start at the same moment', async () => {
    const database = await createEmptyDatabase();
    databases.push(database);
    const env = {
      DATA_DIR: tempDir(),
      DATABASE_URL: database.url,
      BROKER_ENCRYPTION_KEYS: generateEncryptionKey('k1'),
    };
    const [a, b] = [start(env), start(env)];
    expect(await ready(a)).toBe(200);
    expect(await ready(b)).toBe(200);

    const pool = new pg.Pool({ connectionString: database.url });
    const { rows } = await pool.query(
      `SELECT migration_name, count(*)::int AS n FROM _prisma_migrations GROUP BY 1`,
    );
    await pool.end();
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((row) => row.n === 1)).toBe(true);
    const applied = [a, b].filter((broker) =>
      broker.lines.some((l) => l.includes('"msg":"migrations applied"')),
    );
    expect(applied).toHaveLength(1);
  });

  it('logs one line per request with the id the response carried, and no query value', async () => {
    const broker = start({ DATA_DIR: embeddedDataDir() });
    const url = await broker.url;
    const live = await fetch(`${url}/health/live`);
    const callback = await fetch(`${url}/v1/oauth/callback?code=secret-code&state=secret-state`);
    const read = await fetch(`${url}/v1/connections/6f1c2b9e-8d4a-4e7b-b3a1-0c9d8e7f6a5b/token`);
    expect([live.status, read.status]).toEqual([200, 401]);
    expect(await broker.stop('SIGTERM')).toBe(0);

    const requests = broker.lines
      .filter((line) => line.includes('"msg":"request completed"'))
      .map((line) => JSON.parse(line) as { level: number; req: { id: string; url: string }; res: object });
    const lineOf = (response: Response) =>
      requests.find((r) => r.req.id === response.headers.get('x-request-id'));
    expect(lineOf(live)).toMatchObject({ level: 30, req: { url: '/health/live' }, res: { statusCode: 200 } });
    expect(lineOf(callback)).toMatchObject({
      req: { url: '/v1/oauth/callback?code=…&state=…' },
      res: { statusCode: callback.status },
    });
    expect(lineOf(read)).toMatchObject({ level: 30, res: { statusCode: 401 } });
    expect(broker.lines.join('\n')).not.toMatch(/secret-code|secret-state/);
  });

  it('refuses to start with invalid variables, naming each of them', async () => {
    const shortKey = Buffer.alloc(16, 1).toString('base64');
    const broker = start({ DATA_DIR: tempDir(), PORT: 'abc', BROKER_ENCRYPTION_KEYS: `k1:${shortKey}` });
    expect(await broker.exited).toBe(1);
    const output = broker.lines.join('\n');
    expect(output).toMatch(/PORT/);
    expect(output).toMatch(/BROKER_ENCRYPTION_KEYS: key 'k1' is 16 bytes/);
    expect(output).not.toContain(shortKey);
  });
});
