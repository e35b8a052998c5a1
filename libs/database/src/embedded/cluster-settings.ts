import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';

/**
 * `DATA_DIR/postgres.json`: the port and password are chosen once and kept, so the cluster and its
 * URL survive restarts. `clusterDir` is recorded only when the cluster lives outside DATA_DIR
 * (see cluster-location.ts), so a DATA_DIR moved as a whole keeps finding its own cluster.
 */
export interface ClusterSettings {
  port: number;
  password: string;
  clusterDir?: string;
}

const settingsFile = (dataDir: string) => join(dataDir, 'postgres.json');

export async function readSettings(dataDir: string): Promise<ClusterSettings | undefined> {
  const file = settingsFile(dataDir);
  if (!existsSync(file)) return undefined;
  return JSON.parse(await readFile(file, 'utf8')) as ClusterSettings;
}

export const clusterDirOf = (dataDir: string, settings: ClusterSettings | undefined): string =>
  settings?.clusterDir ?? join(dataDir, 'postgres');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function newSettings(): Promise<ClusterSettings> {
  return { port: await freePort(), password: randomBytes(18).toString('base64url') };
}

/** Written beside and renamed over, so a crash never leaves a half-written file and lost password. */
export async function writeSettings(dataDir: string, settings: ClusterSettings): Promise<void> {
  const file = settingsFile(dataDir);
  const partial = `${file}.${randomBytes(6).toString('hex')}`;
  await writeFile(partial, JSON.stringify(settings), { mode: 0o600 });
  await rename(partial, file);
}
