import { mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { fingerprint } from './postgres-binaries.js';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function nativeTree(): string {
  const root = mkdtempSync(join(tmpdir(), 'broker-native-'));
  made.push(root);
  mkdirSync(join(root, 'bin'));
  mkdirSync(join(root, 'lib'));
  writeFileSync(join(root, 'bin', 'postgres'), 'binary', { mode: 0o755 });
  writeFileSync(join(root, 'lib', 'libpq.so.5.18'), 'library');
  symlinkSync('libpq.so.5.18', join(root, 'lib', 'libpq.so.5'));
  return root;
}

describe('the fingerprint of a Postgres binary tree', () => {
  it('is the same for two installs of the same files, however their folders came to be', async () => {
    const fresh = nativeTree();
    const used = nativeTree();
    // A folder that once held many entries keeps a larger size on disk (ext4 never shrinks it).
    const names = Array.from({ length: 300 }, (_, i) => join(used, 'lib', `gone-${i}-${'x'.repeat(100)}`));
    for (const name of names) writeFileSync(name, '');
    for (const name of names) unlinkSync(name);
    expect(await fingerprint(used)).toBe(await fingerprint(fresh));
  });

  it('differs when a file differs', async () => {
    const one = nativeTree();
    const other = nativeTree();
    writeFileSync(join(other, 'lib', 'libpq.so.5.18'), 'another library');
    expect(await fingerprint(other)).not.toBe(await fingerprint(one));
  });
});
