import { join } from 'node:path';
import { EncryptionKeyring, generateEncryptionKey, SecretCipher } from '#libs/crypto';
import type { BrokerOptions } from './broker.js';
import type { BenchPostgres } from './postgres.js';

/** What every part of the bench shares: the database server, the secrets, the fake sipgate. */
export interface BenchContext {
  postgres: BenchPostgres;
  /** Temporary directory for logs and DATA_DIR. */
  workDir: string;
  encryptionKeys: string;
  cipher: SecretCipher;
  adminKey: string;
  /** Base URL of the fake sipgate token endpoint. */
  fakeSipgateUrl: string;
  /** Set with BENCH_PROFILE=1: brokers write V8 CPU profiles here. */
  profileDir: string | undefined;
}

export function createSecrets(): Pick<BenchContext, 'encryptionKeys' | 'cipher' | 'adminKey'> {
  const encryptionKeys = generateEncryptionKey('bench1');
  return {
    encryptionKeys,
    cipher: new SecretCipher(EncryptionKeyring.parse(encryptionKeys)),
    adminKey: `sgtb_bench_admin_${'b'.repeat(32)}`,
  };
}

/** The broker's environment for one database, as a production replica would get it. */
export function brokerEnv(
  context: BenchContext,
  databaseUrl: string,
  overrides: NodeJS.ProcessEnv = {},
): NodeJS.ProcessEnv {
  return {
    DATABASE_URL: databaseUrl,
    DATA_DIR: join(context.workDir, 'broker-data'),
    BROKER_ENCRYPTION_KEYS: context.encryptionKeys,
    BROKER_ADMIN_API_KEY: context.adminKey,
    SIPGATE_CLIENT_ID: 'bench-broker',
    SIPGATE_CLIENT_SECRET: 'bench-client-secret',
    SIPGATE_LOGIN_URL: context.fakeSipgateUrl,
    SIPGATE_API_URL: context.fakeSipgateUrl,
    LOG_LEVEL: 'info',
    ...(process.env.BENCH_REFRESH_CONCURRENCY && {
      REFRESH_CONCURRENCY: process.env.BENCH_REFRESH_CONCURRENCY,
    }),
    ...overrides,
  };
}

export function brokerOptions(
  context: BenchContext,
  name: string,
  env: NodeJS.ProcessEnv,
  profile = false,
): BrokerOptions {
  return {
    env,
    logFile: join(context.workDir, `${name}.log`),
    cpuProfileDir: profile && context.profileDir ? join(context.profileDir, name) : undefined,
  };
}
