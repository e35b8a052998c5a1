import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { type Copy, parseCopy, readDockerfile, type Stage, stageEnv } from './dockerfile.js';

const ROOT = process.cwd();
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  scripts: Record<string, string>;
};

const copiesOf = (stage: Stage): Copy[] =>
  stage.instructions.filter((i) => i.keyword === 'COPY').map((i) => parseCopy(i.args));
const runs = (stage: Stage) => stage.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
const indexOf = (stage: Stage, match: (i: { keyword: string; args: string }) => boolean) =>
  stage.instructions.findIndex(match);

/** The files `tsconfig.build.json` compiles into the image's dist/. */
function runtimeSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    const rel = relative(ROOT, path);
    if (entry.isDirectory()) {
      return /^libs\/(testing|[^/]+\/test)$/.test(rel) || entry.name === 'node_modules'
        ? []
        : runtimeSources(path);
    }
    return /\.ts$/.test(entry.name) && !/\.(spec|d)\.ts$|spec-helpers\.ts$/.test(entry.name) ? [path] : [];
  });
}

/** Packages a source file loads at run time: value imports, re-exports, dynamic imports, require. */
function importedPackages(source: string): string[] {
  const specifiers = [
    // `[^;'"]` keeps a match inside one statement (a side-effect import has no `from`).
    ...source.matchAll(/^\s*(?:import|export)\s+(?!type\s)(?:[^;'"]*?\sfrom\s+)?['"]([^'"]+)['"]/gm),
    ...source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
    ...source.matchAll(/\brequire(?:\.resolve)?\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((m) => m[1]!);
  return specifiers
    .filter((s) => !s.startsWith('.') && !s.startsWith('#') && !s.startsWith('node:'))
    .map((s) =>
      s
        .split('/')
        .slice(0, s.startsWith('@') ? 2 : 1)
        .join('/'),
    )
    .filter((name) => !builtinModules.includes(name));
}

describe('Dockerfile', () => {
  const { stages } = readDockerfile();
  const build = stages.find((s) => s.name === 'build')!;
  const runtime = stages.at(-1)!;

  it('builds in one stage and runs from a separate, last one', () => {
    expect(stages.map((s) => s.name)).toEqual(['build', 'runtime']);
    expect(runtime.from).toBe(build.from); // same base: what was built runs on the Node it was built with
  });

  it('runs the broker as a non-root user, set before the command', () => {
    const users = runtime.instructions.filter((i) => i.keyword === 'USER').map((i) => i.args);
    expect(users).toHaveLength(1);
    const [user = '', group] = users[0]!.split(':');
    expect(['root', '0']).not.toContain(user);
    expect(group).not.toBe('0');
    expect(indexOf(runtime, (i) => i.keyword === 'USER')).toBeLessThan(
      indexOf(runtime, (i) => i.keyword === 'CMD'),
    );
    expect(stageEnv(runtime)).toMatchObject({ NODE_ENV: 'production', HOST: '0.0.0.0' });
  });

  it('copies into the runtime only package.json, production node_modules, dist and the migrations, root-owned', () => {
    const copies = copiesOf(runtime);
    expect(copies.every((c) => c.from === 'build')).toBe(true);
    // Without --chown the files belong to root: the non-root process cannot rewrite its own code.
    expect(copies.filter((c) => c.chown !== undefined)).toEqual([]);
    expect(copies.flatMap((c) => c.sources).sort()).toEqual(
      ['/app/dist', '/app/node_modules', '/app/package.json', '/app/prisma'].sort(),
    );
    expect(runtime.instructions.map((i) => i.keyword)).not.toContain('ADD');
    expect(runs(runtime)).toEqual([]); // nothing installed or built in the runtime image
  });

  it('installs from the lockfile with the schema present, then builds and prunes dev dependencies', () => {
    const install = indexOf(build, (i) => i.keyword === 'RUN' && /\bnpm ci\b/.test(i.args));
    const prismaCopied = indexOf(
      build,
      (i) => i.keyword === 'COPY' && parseCopy(i.args).sources.includes('prisma'),
    );
    expect(prismaCopied).toBeGreaterThanOrEqual(0);
    // postinstall generates the Prisma client from prisma/schema.prisma, offline.
    expect(prismaCopied).toBeLessThan(install);
    expect(manifest.scripts.postinstall).toContain('prisma:generate');
    expect(manifest.scripts['prisma:generate']).toMatch(/PRISMA_SCHEMA_ENGINE_BINARY=\S+ prisma generate/);
    const buildAndPrune = runs(build).find((r) => /npm prune --omit=dev/.test(r));
    expect(buildAndPrune).toMatch(/npm run build && npm prune --omit=dev/);
    expect(indexOf(build, (i) => i.args === buildAndPrune)).toBeGreaterThan(install);
  });

  it('needs at run time no package that pruning dev dependencies removes', () => {
    const files = [...runtimeSources(join(ROOT, 'apps')), ...runtimeSources(join(ROOT, 'libs'))];
    const used = new Set(files.flatMap((file) => importedPackages(readFileSync(file, 'utf8'))));
    expect(used).toContain('@prisma/schema-engine-wasm'); // the migrator, run at start-up
    expect([...used].filter((name) => !(name in manifest.dependencies)).sort()).toEqual([]);
  });

  it('starts what the build produces, and ships the migrations it applies', () => {
    const cmd = JSON.parse(runtime.instructions.find((i) => i.keyword === 'CMD')!.args) as string[];
    expect(cmd).toEqual(['node', 'dist/apps/broker/src/main.js']);
    // `npm test` builds first; the compose sandbox service runs the other entry point.
    expect(existsSync(join(ROOT, cmd[1]!))).toBe(true);
    expect(existsSync(join(ROOT, 'dist/apps/sandbox/src/main.js'))).toBe(true);
    expect(existsSync(join(ROOT, 'prisma/schema.prisma'))).toBe(true);
    expect(readdirSync(join(ROOT, 'prisma/migrations')).some((d) => /^\d+_/.test(d))).toBe(true);
  });

  it('keeps local secrets and host-built artefacts out of the build context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    expect(ignored).toEqual(
      expect.arrayContaining(['.data', '.env', 'node_modules', 'dist', 'libs/database/src/generated']),
    );
  });
});
