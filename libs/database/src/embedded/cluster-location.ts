import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  clusterDirOf,
  newSettings,
  readSettings,
  type ClusterSettings,
  writeSettings,
} from './cluster-settings.js';
import { EmbeddedPostgresError, reasonOf } from './embedded-postgres-error.js';
import { runningServerPid } from './postmaster.js';
import { relocationDir, relocationPartOf } from './relocation-root.js';
import { canEnter, type ServerAccount } from './server-account.js';

/** Beside a relocated cluster: the DATA_DIR it belongs to, for people and for the sweep below. */
const OWNER_FILE = 'data-dir';

async function ensureDataDir(dataDir: string): Promise<void> {
  try {
    await mkdir(dataDir, { recursive: true, mode: 0o711 });
  } catch (error) {
    throw new EmbeddedPostgresError(
      `DATA_DIR ${dataDir} cannot be used for the embedded Postgres (${reasonOf(error)}): set DATA_DIR to a folder the broker can create and write, or set DATABASE_URL.`,
    );
  }
}

/**
 * Throw-away clusters (test runs) of DATA_DIRs that are gone and whose server no longer runs: what
 * an interrupted run left behind. Kept clusters are never swept: their DATA_DIR may just be on a
 * disk that is not mounted right now.
 */
async function sweepTemporary(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    const location = join(dir, name);
    const owner = await readFile(join(location, OWNER_FILE), 'utf8').catch(() => undefined);
    if (owner === undefined || existsSync(owner)) continue; // being made right now, or in use
    if (await runningServerPid(join(location, 'postgres'))) continue;
    await rm(location, { recursive: true, force: true });
  }
}

/**
 * A cluster folder outside DATA_DIR, named by a hash of its real path: the same DATA_DIR always
 * maps to the same cluster, and two clones (or two test runs) never share one.
 */
async function relocatedClusterDir(dataDir: string, temporary: boolean): Promise<string> {
  const why = `The postgres user cannot enter DATA_DIR ${dataDir}`;
  const parent = await relocationDir(temporary ? 'temporary' : 'clusters', why);
  if (temporary) await sweepTemporary(parent);
  const real = await realpath(dataDir);
  return join(parent, createHash('sha256').update(real).digest('hex').slice(0, 16), 'postgres');
}

/** The folder holding a relocated cluster, made (again) with its owner file on every start. */
async function prepareLocation(dataDir: string, clusterDir: string): Promise<void> {
  const part = relocationPartOf(clusterDir);
  if (!part) return;
  await relocationDir(part, `The postgres user cannot enter DATA_DIR ${dataDir}`);
  const location = dirname(clusterDir);
  await mkdir(location, { recursive: true, mode: 0o755 });
  await chmod(location, 0o755);
  await writeFile(join(location, OWNER_FILE), await realpath(dataDir));
}

/**
 * Where the cluster of `dataDir` lives, and its settings, recorded in DATA_DIR before returning.
 * In DATA_DIR when the server's account can enter it (always unless root); as root otherwise under
 * RELOCATION_ROOT, recorded in DATA_DIR so every later start uses that same cluster. The user's
 * folders keep their permissions.
 */
export async function clusterLocation(
  dataDir: string,
  account: ServerAccount,
  temporary: boolean,
): Promise<{ clusterDir: string; settings: ClusterSettings }> {
  await ensureDataDir(dataDir);
  const kept = await readSettings(dataDir);
  let clusterDir = clusterDirOf(dataDir, kept);
  if (!kept?.clusterDir && account.ids && !(await canEnter(account, dataDir))) {
    if (existsSync(join(clusterDir, 'PG_VERSION'))) {
      throw new EmbeddedPostgresError(
        `DATA_DIR ${dataDir} holds an embedded Postgres cluster that the postgres user cannot enter (a folder above it is closed to it): move DATA_DIR to a folder it can enter, or set DATABASE_URL.`,
      );
    }
    clusterDir = await relocatedClusterDir(dataDir, temporary);
  }
  await prepareLocation(dataDir, clusterDir);
  const settings = { ...(kept ?? (await newSettings())) };
  if (relocationPartOf(clusterDir)) settings.clusterDir = clusterDir;
  if (!kept || settings.clusterDir !== kept.clusterDir) await writeSettings(dataDir, settings);
  return { clusterDir, settings };
}

/** Deletes a throw-away cluster wherever it lives, and DATA_DIR with it. Its server must be stopped. */
export async function removeCluster(dataDir: string, clusterDir: string): Promise<void> {
  if (relocationPartOf(clusterDir)) await rm(dirname(clusterDir), { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
}
