import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { type BrokerConfig, loadBrokerConfig } from '#libs/config';
import { generateEncryptionKey } from '#libs/crypto';
import { createTestDatabase, type TestDatabase } from '#libs/testing';
import { createBrokerApp } from '../../apps/broker/src/bootstrap/create-app.js';

/** One key for every broker of this test process, as replicas of one deployment share theirs. */
const SHARED_ENCRYPTION_KEYS = generateEncryptionKey('test1');

export interface TestBroker {
  app: NestFastifyApplication;
  config: BrokerConfig;
  database: TestDatabase;
  adminKey: string;
  close(): Promise<void>;
}

/**
 * The real broker application (all modules, real Postgres through the real migrations) on a fresh
 * database of its own, configured through the same environment parsing as production.
 */
export async function startTestBroker(
  env: NodeJS.ProcessEnv = {},
  database?: TestDatabase,
): Promise<TestBroker> {
  const db = database ?? (await createTestDatabase());
  const adminKey = `sgtb_test_admin_${'x'.repeat(32)}`;
  const { config } = loadBrokerConfig({
    DATA_DIR: mkdtempSync(join(tmpdir(), 'broker-test-')),
    DATABASE_URL: db.url,
    BROKER_ENCRYPTION_KEYS: SHARED_ENCRYPTION_KEYS,
    BROKER_ADMIN_API_KEY: adminKey,
    LOG_LEVEL: 'silent',
    REFRESH_SCHEDULER: 'off',
    ...env,
  });
  const app = await createBrokerApp(config, db.url);
  return {
    app,
    config,
    database: db,
    adminKey,
    close: async () => {
      await app.close();
      if (!database) await db.drop();
    },
  };
}
