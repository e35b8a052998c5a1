import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateEncryptionKey } from '#libs/crypto';

export interface DevelopmentSecrets {
  encryptionKeys: string;
  adminApiKey: string;
  sandboxClientSecret: string;
}

/**
 * Outside production, secrets nobody configured are generated once and kept in DATA_DIR (owner-only),
 * so a restart can still decrypt what the last run stored and the admin key stays the same.
 */
export function loadOrCreateDevelopmentSecrets(dataDir: string): {
  file: string;
  secrets: DevelopmentSecrets;
} {
  const file = join(dataDir, 'secrets.json');
  if (existsSync(file)) {
    return { file, secrets: JSON.parse(readFileSync(file, 'utf8')) as DevelopmentSecrets };
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o711 });
  const secrets: DevelopmentSecrets = {
    encryptionKeys: generateEncryptionKey('dev1'),
    adminApiKey: `sgtb_${randomBytes(32).toString('base64url')}`,
    sandboxClientSecret: randomBytes(24).toString('base64url'),
  };
  // 'wx': never overwrite a file another replica wrote a moment ago.
  try {
    writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { file, secrets: JSON.parse(readFileSync(file, 'utf8')) as DevelopmentSecrets };
  }
  return { file, secrets };
}
