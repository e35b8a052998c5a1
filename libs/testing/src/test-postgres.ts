import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { applyPendingMigrations, startEmbeddedPostgres } from '#libs/database';
import { TEMPLATE_ENV } from './test-database.js';

const TEMPLATE_NAME = 'broker_template';

async function embeddedServer(): Promise<{ url: string; stop(): Promise<void> }> {
  // A throw-away cluster per test run, so runs in parallel (several checkouts, CI) never share a
  // server; discarded afterwards, wherever it lives (as root, maybe outside TMPDIR).
  const dataDir = await mkdtemp(join(tmpdir(), 'broker-test-pg-'));
  const server = await startEmbeddedPostgres(dataDir, {
    databaseName: 'postgres',
    fsync: false,
    temporary: true,
  });
  return { url: server.url, stop: () => server.discard() };
}

/**
 * Global test setup: a Postgres server (TEST_DATABASE_URL's, or an embedded one with fsync off) with
 * a template database migrated once through the real migrations; each spec file copies it.
 */
export async function startTestPostgres(): Promise<{ stop(): Promise<void> }> {
  const external = process.env.TEST_DATABASE_URL;
  const server = external ? { url: external, stop: async () => undefined } : await embeddedServer();

  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  try {
    // On a shared TEST_DATABASE_URL server, leftovers of an interrupted run would otherwise pile up.
    const { rows } = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE 'broker\\_test\\_%' OR datname LIKE 'broker\\_empty\\_%' OR datname = $1`,
      [TEMPLATE_NAME],
    );
    for (const { datname } of rows) await admin.query(`DROP DATABASE "${datname}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${TEMPLATE_NAME}"`);
  } finally {
    await admin.end();
  }
  const template = new URL(server.url);
  template.pathname = `/${TEMPLATE_NAME}`;
  await applyPendingMigrations(template.toString());
  process.env[TEMPLATE_ENV] = template.toString();
  return server;
}
