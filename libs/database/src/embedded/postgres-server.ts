import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { chown, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { EmbeddedPostgresError, reasonOf } from './embedded-postgres-error.js';
import type { PostgresBinaries } from './postgres-binaries.js';
import type { ServerAccount } from './server-account.js';

export interface ServerSetup {
  binaries: PostgresBinaries;
  account: ServerAccount;
  clusterDir: string;
  log: (line: string) => void;
}

export interface RunningServer {
  stop(): Promise<void>;
}

const READY = 'database system is ready to accept connections';

/**
 * What the Postgres processes see of the broker's environment: the path and locale only. The
 * broker's own variables hold its encryption keys, and a database superuser can read the server's
 * environment (COPY … FROM PROGRAM). Messages in English: READY is matched literally.
 */
function serverEnvironment(): NodeJS.ProcessEnv {
  const passed = Object.entries(process.env).filter(([name]) => /^(PATH|TZ|LANG|LC_[A-Z]+)$/.test(name));
  return { ...Object.fromEntries(passed), LC_MESSAGES: 'C' };
}

/** Spawns a Postgres program as the account, its stderr lines logged and the last ones kept. */
function spawnAs(setup: ServerSetup, file: string, args: string[]) {
  const child = spawn(file, args, {
    ...setup.account.ids,
    cwd: '/', // wherever the broker was started may be closed to the account
    env: serverEnvironment(),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const lines = createInterface({ input: child.stderr });
  const tail: string[] = [];
  lines.on('line', (line) => {
    setup.log(line);
    tail.push(line);
    if (tail.length > 20) tail.shift();
  });
  return { child, lines, tail };
}

/** The line of a failed program's output that says why (Postgres logs the cause before the FATAL). */
const problemIn = (tail: string[]) =>
  (tail.find((line) => /could not|FATAL|PANIC|ERROR|error/.test(line)) ?? tail.at(-1) ?? 'no output').trim();

/** Settles when the program has exited and its output is read: its exit code, or why it could not run. */
function exitOf(child: ChildProcess, failed: string): Promise<number | null> {
  return new Promise((resolve, reject) => {
    child.once('error', (error) => reject(new EmbeddedPostgresError(`${failed} (${reasonOf(error)}).`)));
    child.once('close', (code) => resolve(code));
  });
}

/**
 * Creates the cluster with initdb, run as the account. The password reaches initdb in a file only
 * the account can read, beside the cluster (where the account can reach it, unlike TMPDIR maybe).
 */
export async function initialiseCluster(setup: ServerSetup, password: string): Promise<void> {
  const { clusterDir, account } = setup;
  await mkdir(clusterDir, { recursive: true, mode: 0o700 });
  const passwordFile = join(dirname(clusterDir), `.initdb-password-${randomBytes(6).toString('hex')}`);
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600, flag: 'wx' });
  try {
    if (account.ids) {
      await chown(clusterDir, account.ids.uid, account.ids.gid);
      await chown(passwordFile, account.ids.uid, account.ids.gid);
    }
    const { child, tail } = spawnAs(setup, setup.binaries.initdb, [
      `--pgdata=${clusterDir}`,
      '--auth=password',
      '--username=postgres',
      `--pwfile=${passwordFile}`,
      '--lc-messages=C',
    ]);
    const failed = `initdb could not create the embedded Postgres cluster in ${clusterDir}`;
    if ((await exitOf(child, failed)) !== 0) throw new EmbeddedPostgresError(`${failed}: ${problemIn(tail)}`);
  } finally {
    await rm(passwordFile, { force: true });
  }
}

/** Starts the server and resolves once it accepts connections. */
export async function startServer(setup: ServerSetup, port: number, flags: string[]): Promise<RunningServer> {
  const { clusterDir } = setup;
  const args = ['-D', clusterDir, '-p', String(port), ...flags];
  const { child, lines, tail } = spawnAs(setup, setup.binaries.postgres, args);
  const failed = `The embedded Postgres in ${clusterDir} did not start`;
  const exit = exitOf(child, failed);
  await new Promise<void>((resolve, reject) => {
    lines.on('line', (line) => line.includes(READY) && resolve());
    // Once it is ready, this settles nothing: a later exit is stop()'s to await.
    exit.then(() => reject(new EmbeddedPostgresError(`${failed}: ${problemIn(tail)}`)), reject);
  });
  return {
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = once(child, 'exit');
      child.kill('SIGINT'); // "fast" shutdown: aborts sessions, writes a clean checkpoint
      await gone;
    },
  };
}
