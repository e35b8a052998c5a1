import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { clusterLocation, removeCluster } from './cluster-location.js';
import { RELOCATION_ROOT } from './relocation-root.js';
import { serverAccount } from './server-account.js';

const made: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'broker-location-'));
  made.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A relocated throw-away cluster folder as an interrupted test run leaves it. */
function leftover(dataDir: string): string {
  const location = join(RELOCATION_ROOT, 'temporary', `leftover-${randomBytes(6).toString('hex')}`);
  mkdirSync(join(location, 'postgres'), { recursive: true });
  writeFileSync(join(location, 'data-dir'), dataDir);
  made.push(location);
  return location;
}

describe('where the cluster of a DATA_DIR lives', () => {
  it('is DATA_DIR/postgres where the server account can enter DATA_DIR, with nothing recorded', async () => {
    const parent = tempDir();
    chmodSync(parent, 0o755);
    const dataDir = join(parent, 'data');
    const { clusterDir, settings } = await clusterLocation(dataDir, await serverAccount(), false);
    expect(clusterDir).toBe(join(dataDir, 'postgres'));
    expect(settings.clusterDir).toBeUndefined();
    expect(JSON.parse(readFileSync(join(dataDir, 'postgres.json'), 'utf8'))).toEqual(settings);
  });

  (process.getuid?.() === 0 ? describe : describe.skip)(
    'as root, for a DATA_DIR the postgres user cannot enter',
    () => {
      it('is a folder of its own under RELOCATION_ROOT, recorded in DATA_DIR and the same on every start', async () => {
        const dataDir = join(tempDir(), 'data'); // mkdtemp: 0700
        const account = await serverAccount();
        const first = await clusterLocation(dataDir, account, false);
        made.push(dirname(first.clusterDir));
        expect(dirname(dirname(first.clusterDir))).toBe(join(RELOCATION_ROOT, 'clusters'));
        expect(readFileSync(join(dirname(first.clusterDir), 'data-dir'), 'utf8')).toBe(dataDir);
        expect(JSON.parse(readFileSync(join(dataDir, 'postgres.json'), 'utf8'))).toEqual(first.settings);
        expect(statSync(dirname(dataDir)).mode & 0o777).toBe(0o700); // untouched

        const again = await clusterLocation(dataDir, account, false);
        expect(again).toEqual(first);
        await removeCluster(dataDir, again.clusterDir);
        expect([existsSync(dirname(first.clusterDir)), existsSync(dataDir)]).toEqual([false, false]);
      });

      it('records the location in the postgres.json an earlier, failed start left', async () => {
        const dataDir = join(tempDir(), 'data');
        mkdirSync(dataDir);
        writeFileSync(join(dataDir, 'postgres.json'), JSON.stringify({ port: 5999, password: 'kept' }));
        const { clusterDir } = await clusterLocation(dataDir, await serverAccount(), false);
        made.push(dirname(clusterDir));
        expect(JSON.parse(readFileSync(join(dataDir, 'postgres.json'), 'utf8'))).toEqual({
          port: 5999,
          password: 'kept',
          clusterDir,
        });
      });

      it('sweeps throw-away clusters whose DATA_DIR is gone, and only those', async () => {
        const gone = leftover(join(tmpdir(), `gone-${randomBytes(6).toString('hex')}`));
        const alive = leftover(tempDir());
        const dataDir = join(tempDir(), 'data');
        const { clusterDir } = await clusterLocation(dataDir, await serverAccount(), true);
        made.push(dirname(clusterDir));
        expect(dirname(dirname(clusterDir))).toBe(join(RELOCATION_ROOT, 'temporary'));
        expect([existsSync(gone), existsSync(alive)]).toEqual([false, true]);
      });
    },
  );
});
