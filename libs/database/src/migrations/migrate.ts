import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { readMigrationFiles } from './migration-files.js';
import { withSchemaEngine } from './schema-engine.js';

/**
 * Arbitrary but fixed key of the session-level advisory lock that serialises migrations. Every
 * replica takes it before migrating, so replicas starting at once on an empty database run the
 * migrations exactly once; the others wait, then find nothing left to apply.
 */
const MIGRATION_LOCK_KEY = 7_281_540_113;

/** Applies every pending migration under `prisma/migrations`, like `prisma migrate deploy`. */
export async function applyPendingMigrations(databaseUrl: string): Promise<string[]> {
  const files = await readMigrationFiles();
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  // The engine may keep a pooled connection past this call; if the server drops it later (restart,
  // a dropped database) that must not surface as an unhandled 'error' event and crash the process.
  pool.on('error', () => undefined);
  const lockClient = await pool.connect();
  try {
    await lockClient.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const result = await withSchemaEngine(new PrismaPg(pool), files.schema, (engine) =>
        engine.applyMigrations({
          migrationsList: files.migrationsList,
          filters: { externalTables: [], externalEnums: [] },
        }),
      );
      return result.appliedMigrationNames;
    } finally {
      await lockClient.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    lockClient.release();
    await pool.end();
  }
}

let migrationsOnDisk: Promise<string[]> | undefined;

/** Names of migrations on disk that the database has not finished applying (for readiness). */
export async function pendingMigrationNames(client: Pick<pg.Pool, 'query'>): Promise<string[]> {
  // The files do not change while the process runs; read them once.
  migrationsOnDisk ??= readMigrationFiles().then((f) =>
    f.migrationsList.migrationDirectories.map((d) => d.path),
  );
  const onDisk = await migrationsOnDisk;
  const { rows } = await client.query<{ migration_name: string }>(
    `SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
  );
  const applied = new Set(rows.map((r) => r.migration_name));
  return onDisk.filter((name) => !applied.has(name));
}
