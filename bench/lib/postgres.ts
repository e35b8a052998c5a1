import { appendFileSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { applyPendingMigrations, startEmbeddedPostgres } from '#libs/database';

export interface BenchPostgres {
  /** URL of the server's `postgres` database, for administration. */
  adminUrl: string;
  postmasterPid: number;
  /** A new database, migrated through the broker's own migrations. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * An embedded Postgres in a temporary directory, with its default settings (fsync on): the broker
 * sees it as an external database through DATABASE_URL, as in production.
 */
export async function startBenchPostgres(): Promise<BenchPostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'broker-bench-pg-'));
  await chmod(dir, 0o711); // as root, Postgres runs as the postgres user and must reach its directory
  const dataDir = join(dir, 'data');
  const server = await startEmbeddedPostgres(dataDir, {
    databaseName: 'postgres',
    log: process.env.BENCH_PG_LOG
      ? (line) => appendFileSync(process.env.BENCH_PG_LOG!, line + '\n')
      : undefined,
  });
  const postmasterPid = Number(
    readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0],
  );
  const withUrl = (name: string) => {
    const url = new URL(server.url);
    url.pathname = `/${name}`;
    return url.toString();
  };
  return {
    adminUrl: server.url,
    postmasterPid,
    createDatabase: async (name) => {
      const admin = new pg.Client({ connectionString: server.url });
      await admin.connect();
      try {
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await admin.query(`CREATE DATABASE "${name}"`);
      } finally {
        await admin.end();
      }
      await applyPendingMigrations(withUrl(name));
      return withUrl(name);
    },
    stop: async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Cumulative counters of one database, to report the load a phase put on Postgres. */
export interface DatabaseCounters {
  xactCommit: number;
  xactRollback: number;
  tupFetched: number;
  tupInserted: number;
  tupUpdated: number;
  tupDeleted: number;
  blksRead: number;
  blksHit: number;
  walBytes: number;
}

export async function databaseCounters(client: pg.Client | pg.Pool): Promise<DatabaseCounters> {
  // The statistics of the running transaction's snapshot would otherwise be cached.
  await client.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await client.query<Record<string, string>>(
    `SELECT xact_commit, xact_rollback, tup_fetched, tup_inserted, tup_updated, tup_deleted, blks_read, blks_hit,
            pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0') AS wal_bytes
       FROM pg_stat_database WHERE datname = current_database()`,
  );
  const row = rows[0]!;
  return {
    xactCommit: Number(row.xact_commit),
    xactRollback: Number(row.xact_rollback),
    tupFetched: Number(row.tup_fetched),
    tupInserted: Number(row.tup_inserted),
    tupUpdated: Number(row.tup_updated),
    tupDeleted: Number(row.tup_deleted),
    blksRead: Number(row.blks_read),
    blksHit: Number(row.blks_hit),
    walBytes: Number(row.wal_bytes),
  };
}

export function counterRates(before: DatabaseCounters, after: DatabaseCounters, seconds: number) {
  const rate = (key: keyof DatabaseCounters) => (after[key] - before[key]) / seconds;
  return {
    commitsPerSecond: rate('xactCommit'),
    rollbacksPerSecond: rate('xactRollback'),
    tuplesUpdatedPerSecond: rate('tupUpdated'),
    tuplesInsertedPerSecond: rate('tupInserted'),
    tuplesFetchedPerSecond: rate('tupFetched'),
    blocksReadPerSecond: rate('blksRead'),
    blocksHitPerSecond: rate('blksHit'),
    walMiBPerSecond: rate('walBytes') / 1024 / 1024,
  };
}
