import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { diffAdapterFactory } from './diff-adapter.js';
import { readMigrationFiles } from './migration-files.js';
import { withSchemaEngine } from './schema-engine.js';

function poolConfigFromUrl(databaseUrl: string) {
  const url = new URL(databaseUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: decodeURIComponent(url.pathname.slice(1)),
  };
}

/**
 * Writes the SQL that brings the migrations on disk to `prisma/schema.prisma` as a new migration
 * folder, like `prisma migrate dev --create-only`. Needs a database server it may create a shadow
 * database on. Returns the folder, or null when the schema has no changes.
 */
export async function createMigration(databaseUrl: string, name: string): Promise<string | null> {
  const files = await readMigrationFiles();
  const { stdout } = await withSchemaEngine(
    diffAdapterFactory(poolConfigFromUrl(databaseUrl)),
    files.schema,
    (engine) =>
      engine.diff({
        from: { tag: 'migrations', ...files.migrationsList },
        to: { tag: 'schemaDatamodel', files: [files.schema] },
        script: true,
        exitCode: null,
        filters: { externalTables: [], externalEnums: [] },
      }),
  );
  if (!stdout || /^-- This is an empty migration\.\s*$/.test(stdout)) return null;
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const dir = join(files.migrationsList.baseDir, `${stamp}_${name.toLowerCase()}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'migration.sql'), stdout);
  return dir;
}
