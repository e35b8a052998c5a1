import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EmbeddedPostgresError } from './embedded-postgres-error.js';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The pid of the server running on `clusterDir`, from the postmaster.pid it keeps there. */
export async function runningServerPid(clusterDir: string): Promise<number | undefined> {
  const pidFile = join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
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

/**
 * A broker killed with SIGKILL leaves its Postgres child running, orphaned, holding the data
 * directory. An orphan (re-parented to init) is ours to stop; a server whose parent is alive belongs
 * to another broker running on the same DATA_DIR, which must not be pulled from under it.
 */
export async function stopOrphanedServer(clusterDir: string): Promise<void> {
  const pid = await runningServerPid(clusterDir);
  if (pid === undefined) return;
  const parent = await parentPid(pid);
  if (parent !== undefined && parent !== 1) {
    throw new EmbeddedPostgresError(
      `The embedded Postgres in ${clusterDir} is in use by another running broker (its server has pid ${pid}): stop that broker, or give this one another DATA_DIR.`,
    );
  }
  process.kill(pid, 'SIGINT'); // "fast" shutdown: aborts sessions, writes a clean checkpoint
  for (let waited = 0; isAlive(pid) && waited < 30_000; waited += 100) await sleep(100);
}
