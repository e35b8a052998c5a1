import { chmod, lstat, mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { EmbeddedPostgresError, reasonOf } from './embedded-postgres-error.js';

/**
 * Where, as root, what the postgres user cannot reach in place goes instead: a copy of the
 * binaries, and the clusters of DATA_DIRs it cannot enter. Never inside a user's folders, whose
 * permissions are theirs to choose.
 */
export const RELOCATION_ROOT = '/var/lib/sipgate-token-broker';

const PARTS = ['binaries', 'clusters', 'temporary'] as const;
export type RelocationPart = (typeof PARTS)[number];

/** The part of RELOCATION_ROOT `path` lies in, or undefined when it lies elsewhere. */
export function relocationPartOf(path: string): RelocationPart | undefined {
  const [root, part] = [dirname(dirname(dirname(path))), basename(dirname(dirname(path)))];
  return root === RELOCATION_ROOT ? PARTS.find((p) => p === part) : undefined;
}

/**
 * Root copies binaries that the postgres user will run into these folders, and chowns cluster
 * folders in them: a folder anyone else could write would let them swap a binary or plant a
 * symlink for that chown. So each level must be a real directory, root's, writable by root only,
 * and open for the postgres user to traverse (0755, whatever root's umask).
 */
async function ensureRootOwned(dir: string): Promise<void> {
  try {
    await mkdir(dir, { mode: 0o755 });
    await chmod(dir, 0o755);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const stats = await lstat(dir);
  if (!stats.isDirectory() || stats.uid !== 0 || stats.mode & 0o022) {
    throw new Error(`${dir} must be a directory owned by root and writable by root only`);
  }
}

/** `RELOCATION_ROOT/<part>`, made on first use; `why` opens the sentence should that fail. */
export async function relocationDir(part: RelocationPart, why: string): Promise<string> {
  const dir = join(RELOCATION_ROOT, part);
  try {
    await mkdir(join(RELOCATION_ROOT, '..'), { recursive: true });
    await ensureRootOwned(RELOCATION_ROOT);
    await ensureRootOwned(dir);
  } catch (error) {
    throw new EmbeddedPostgresError(
      `${why}, and ${dir}, where the broker keeps it instead, cannot be used (${reasonOf(error)}): fix that folder, set DATA_DIR to a folder the postgres user can enter, or set DATABASE_URL.`,
    );
  }
  return dir;
}
