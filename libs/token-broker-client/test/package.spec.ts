import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

const run = promisify(execFile);
const LIB = join(process.cwd(), 'libs', 'token-broker-client');
const TSC = join(process.cwd(), 'node_modules', 'typescript', 'bin', 'tsc');

/**
 * Builds the package the way `npm pack` would (its own tsconfig, `rootDir` src, so any import of the
 * broker's code fails the build) and imports it by its name from a separate project with plain
 * Node: no `source` condition, no jest module mapping, no axios installed.
 */
describe('@sipgate-token-broker/client as a published package', () => {
  let work: string;
  let packageDir: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'token-broker-client-'));
    packageDir = join(work, 'consumer', 'node_modules', '@sipgate-token-broker', 'client');
    await mkdir(packageDir, { recursive: true });
    await run(process.execPath, [
      TSC,
      '-p',
      join(LIB, 'tsconfig.build.json'),
      '--outDir',
      join(packageDir, 'dist'),
    ]);
    await cp(join(LIB, 'package.json'), join(packageDir, 'package.json'));
    await cp(join(LIB, 'README.md'), join(packageDir, 'README.md'));
  }, 60_000);
  afterAll(() => rm(work, { recursive: true, force: true }));

  it('loads by its name in a project without axios and exports the documented API', async () => {
    const consumer = join(work, 'consumer');
    await writeFile(join(consumer, 'package.json'), JSON.stringify({ type: 'module', private: true }));
    await writeFile(
      join(consumer, 'check.js'),
      `import * as lib from '@sipgate-token-broker/client';
       const client = new lib.TokenBrokerClient({ baseUrl: 'http://broker.internal', apiKey: 'k' });
       console.log(JSON.stringify({ exports: Object.keys(lib).sort(), getToken: typeof client.getToken }));`,
    );
    const { stdout } = await run(process.execPath, ['check.js'], { cwd: consumer });
    expect(JSON.parse(stdout)).toEqual({
      getToken: 'function',
      exports: [
        'AccessDeniedError',
        'ApiKeyRejectedError',
        'BrokerUnreachableError',
        'ConnectionNotFoundError',
        'RateLimitedError',
        'ReauthRequiredError',
        'RetryLaterError',
        'TokenBrokerClient',
        'TokenBrokerError',
        'TokenUnavailableError',
        'attachTokenBroker',
        'createSipgateAxiosInterceptor',
      ],
    });
  });

  it('ships type declarations and imports nothing at run time but its own files', async () => {
    const files = await readdir(join(packageDir, 'dist'));
    expect(files).toContain('index.d.ts');
    for (const file of files.filter((f) => f.endsWith('.js'))) {
      const source = await readFile(join(packageDir, 'dist', file), 'utf8');
      const specifiers = [...source.matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1]);
      expect(specifiers.filter((s) => !s!.startsWith('./'))).toEqual([]);
    }
    // The exports map points at what the build produced.
    const manifest = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8'));
    expect(manifest.exports['.']).toEqual({ types: './dist/index.d.ts', default: './dist/index.js' });
    expect(manifest.peerDependencies).toHaveProperty('axios');
    expect(manifest.dependencies).toBeUndefined();
  });
});
