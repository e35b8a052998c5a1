import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { clusterLocation, removeCluster } from './embedded/cluster-location.js';
import { clusterDirOf, readSettings } from './embedded/cluster-settings.js';
import { EmbeddedPostgresError, isSystemError, reasonOf } from './embedded/embedded-postgres-error.js';
import { postgresBinaries } from './embedded/postgres-binaries.js';
import { initialiseCluster, startServer } from './embedded/postgres-server.js';
import { runningServerPid, stopOrphanedServer } from './embedded/postmaster.js';
import { serverAccount } from './embedded/server-account.js';

export { EmbeddedPostgresError };

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
  /** Stops the server and deletes the cluster, wherever it lives, and DATA_DIR: for throw-away ones. */
  discard(): Promise<void>;
}

const urlOf = (settings: { port: number; password: string }, databaseName: string) =>
  `postgresql://postgres:${encodeURIComponent(settings.password)}@127.0.0.1:${settings.port}/${databaseName}`;

async function ensureDatabase(adminUrl: string, databaseName: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [databaseName]);
    if (!rowCount) await admin.query(`CREATE DATABASE "${databaseName.replace(/"/g, '""')}"`);
  } finally {
    await admin.end();
  }
}

async function start(dataDir: string, options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const account = await serverAccount();
  const binaries = await postgresBinaries(account);
  const { clusterDir, settings } = await clusterLocation(dataDir, account, options.temporary ?? false);
  const setup = { binaries, account, clusterDir, log: options.log ?? (() => undefined) };
  if (!existsSync(join(clusterDir, 'PG_VERSION'))) await initialiseCluster(setup, settings.password);
  await stopOrphanedServer(clusterDir);
  const server = await startServer(setup, settings.port, [
    '-c',
    'listen_addresses=127.0.0.1',
    ...(options.fsync === false ? ['-c', 'fsync=off'] : []),
  ]);

  const databaseName = options.databaseName ?? 'broker';
  try {
    await ensureDatabase(urlOf(settings, 'postgres'), databaseName);
  } catch (error) {
    await server.stop(); // not left running, orphaned, when start-up gives up
    throw error;
  }
  return {
    url: urlOf(settings, databaseName),
    stop: () => server.stop(),
    discard: async () => {
      await server.stop();
      await removeCluster(dataDir, clusterDir);
    },
  };
}

interface EmbeddedOptions {
  log?: (line: string) => void;
  databaseName?: string;
  fsync?: boolean;
  temporary?: boolean;
}

/**
 * Starts (initialising on first use) the Postgres cluster of `dataDir`, kept between runs. It lives
 * in `dataDir/postgres`, or, as root when the postgres user that runs it cannot enter DATA_DIR,
 * elsewhere, recorded in DATA_DIR (see embedded/cluster-location.ts). `temporary` marks a
 * throw-away cluster (a test run's), which may be swept once its DATA_DIR is gone.
 * A reason it cannot run here is thrown as an EmbeddedPostgresError, one sentence to show as is;
 * that includes what the operating system refused (a full disk, a folder root may not write).
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  options: EmbeddedOptions = {},
): Promise<EmbeddedDatabase> {
  try {
    return await start(dataDir, options);
  } catch (error) {
    if (!isSystemError(error)) throw error;
    throw new EmbeddedPostgresError(
      `The embedded Postgres of DATA_DIR ${dataDir} cannot start (${reasonOf(error)}): change that, or set DATABASE_URL to use another Postgres.`,
    );
  }
}

/**
 * The URL of the embedded cluster of `dataDir` while another process (a running broker) has it
 * started, or undefined when none runs. Lets a command work online next to a running broker, which
 * must not be pulled from under it by a second start.
 */
export async function runningEmbeddedPostgresUrl(
  dataDir: string,
  databaseName = 'broker',
): Promise<string | undefined> {
  const settings = await readSettings(dataDir);
  if (!settings || !(await runningServerPid(clusterDirOf(dataDir, settings)))) return undefined;
  return urlOf(settings, databaseName);
}
