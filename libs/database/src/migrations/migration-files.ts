import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MigrationList } from '@prisma/schema-engine-wasm';

/** The folder holding `prisma/schema.prisma`, found from this file so it works from src and dist. */
export function prismaDirectory(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'prisma', 'schema.prisma'))) {
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error('prisma/schema.prisma not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
  return join(dir, 'prisma');
}

export interface MigrationFiles {
  schema: { path: string; content: string };
  migrationsList: MigrationList;
}

/** Reads the schema and every `prisma/migrations/<name>/migration.sql`, in name order like Prisma. */
export async function readMigrationFiles(prismaDir = prismaDirectory()): Promise<MigrationFiles> {
  const baseDir = join(prismaDir, 'migrations');
  const entries = await readdir(baseDir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const migrationDirectories = await Promise.all(
    names.map(async (name) => ({
      path: name,
      migrationFile: {
        path: 'migration.sql',
        content: { tag: 'ok' as const, value: await readFile(join(baseDir, name, 'migration.sql'), 'utf8') },
      },
    })),
  );
  const lockPath = join(baseDir, 'migration_lock.toml');
  const schemaPath = join(prismaDir, 'schema.prisma');
  return {
    schema: { path: schemaPath, content: await readFile(schemaPath, 'utf8') },
    migrationsList: {
      baseDir,
      lockfile: {
        path: 'migration_lock.toml',
        content: existsSync(lockPath) ? await readFile(lockPath, 'utf8') : null,
      },
      shadowDbInitScript: '',
      migrationDirectories,
    },
  };
}
