import { afterEach, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { createEmptyDatabase, type TestDatabase } from '#libs/testing';
import { readMigrationFiles } from './migration-files.js';
import { applyPendingMigrations, pendingMigrationNames } from './migrate.js';

describe('applyPendingMigrations', () => {
  let database: TestDatabase;
  afterEach(() => database?.drop());

  it('applies every migration on an empty database and nothing the second time', async () => {
    database = await createEmptyDatabase();
    const onDisk = (await readMigrationFiles()).migrationsList.migrationDirectories.map((d) => d.path);
    expect(await applyPendingMigrations(database.url)).toEqual(onDisk);
    expect(await applyPendingMigrations(database.url)).toEqual([]);

    const pool = new pg.Pool({ connectionString: database.url });
    try {
      expect(await pendingMigrationNames(pool)).toEqual([]);
      const { rows } = await pool.query(`SELECT to_regclass('connections') AS t`);
      expect(rows[0].t).toBe('connections');
    } finally {
      await pool.end();
    }
  });

  it('runs each migration once when several replicas migrate at the same moment', async () => {
    database = await createEmptyDatabase();
    const results = await Promise.all([1, 2, 3].map(() => applyPendingMigrations(database.url)));
    const onDisk = (await readMigrationFiles()).migrationsList.migrationDirectories.map((d) => d.path);
    expect(results.flat().sort()).toEqual([...onDisk].sort());

    const pool = new pg.Pool({ connectionString: database.url });
    try {
      const { rows } = await pool.query(
        `SELECT migration_name, count(*)::int AS n FROM _prisma_migrations GROUP BY 1`,
      );
      expect(rows).toHaveLength(onDisk.length);
      expect(rows.every((r) => r.n === 1)).toBe(true);
    } finally {
      await pool.end();
    }
  });
});
