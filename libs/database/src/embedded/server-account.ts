import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { EmbeddedPostgresError, reasonOf } from './embedded-postgres-error.js';

const exec = promisify(execFile);

/**
 * Who the Postgres processes run as. Postgres refuses to run as root, so as root they run as the
 * system user `postgres` (`ids` set, passed to every spawn); otherwise as the current user.
 */
export interface ServerAccount {
  ids?: { uid: number; gid: number };
}

export type Outcome = { ok: true } | { ok: false; reason: string };

async function postgresIds(): Promise<ServerAccount['ids']> {
  try {
    const [uid, gid] = await Promise.all([exec('id', ['-u', 'postgres']), exec('id', ['-g', 'postgres'])]);
    return { uid: Number(uid.stdout), gid: Number(gid.stdout) };
  } catch {
    return undefined;
  }
}

async function createPostgresUser(): Promise<NonNullable<ServerAccount['ids']>> {
  try {
    await exec('groupadd', ['--system', '--force', 'postgres']);
    await exec('useradd', [
      '--system',
      '--gid',
      'postgres',
      '--no-create-home',
      '--home-dir',
      '/nonexistent',
      '--shell',
      '/usr/sbin/nologin',
      'postgres',
    ]);
  } catch (error) {
    const ids = await postgresIds(); // another process may have created it a moment ago
    if (ids) return ids;
    throw new EmbeddedPostgresError(
      `Postgres refuses to run as root, and the user 'postgres' to run it as does not exist and could not be created (${reasonOf(error)}): create it (useradd --system postgres), start the broker as another user, or set DATABASE_URL.`,
    );
  }
  return (await postgresIds())!;
}

export async function serverAccount(): Promise<ServerAccount> {
  if (process.getuid?.() !== 0) return {};
  return { ids: (await postgresIds()) ?? (await createPostgresUser()) };
}

/**
 * Runs `file args` as the account, exactly as the server is spawned (the same ids, and Node drops
 * root's supplementary groups on the way), so a check through it cannot disagree with the server.
 * Mode bits are not read: ACLs, mounts and groups decide too.
 */
export function runAs(account: ServerAccount, file: string, args: string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { ...account.ids, cwd: '/', stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', (error) => resolve({ ok: false, reason: reasonOf(error) }));
    child.once('close', (code) =>
      resolve(
        code === 0 ? { ok: true } : { ok: false, reason: reasonOf({ stderr, message: `exit code ${code}` }) },
      ),
    );
  });
}

/** Whether the account may enter `dir`: search permission on it and on every folder above it. */
export async function canEnter(account: ServerAccount, dir: string): Promise<boolean> {
  return (await runAs(account, 'test', ['-x', dir])).ok;
}
