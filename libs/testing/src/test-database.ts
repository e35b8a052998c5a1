import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Set by test/setup/global-setup.mjs: a server URL and a migrated template database on it. */
const TEMPLATE_ENV = 'BROKER_TEST_TEMPLATE_URL';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

function templateUrl(): URL {
  const url = process.env[TEMPLATE_ENV];
  if (!url)
    throw new Error(`${TEMPLATE_ENV} is not set: run tests through jest (test/setup/global-setup.mjs)`);
  return new URL(url);
}

async function withAdminClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const admin = new URL(templateUrl());
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * A fresh, fully migrated database of its own for one spec file: copied from the template that
 * global setup migrated once, so specs run in parallel without sharing rows and migrations run
 * once per test run.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const template = templateUrl();
  const name = `broker_test_${randomBytes(6).toString('hex')}`;
  await withAdminClient((c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${template.pathname.slice(1)}"`));
  const url = new URL(template);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () =>
      withAdminClient((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}

/** An empty database (no migrations), for testing the migrator itself. */
export async function createEmptyDatabase(): Promise<TestDatabase> {
  const name = `broker_empty_${randomBytes(6).toString('hex')}`;
  await withAdminClient((c) => c.query(`CREATE DATABASE "${name}"`));
  const url = new URL(templateUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () =>
      withAdminClient((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}

export { TEMPLATE_ENV };
