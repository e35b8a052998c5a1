import { resolve } from 'node:path';
import { startEmbeddedPostgres } from '../embedded-postgres.js';

/** DATABASE_URL when set, else the broker's embedded Postgres under DATA_DIR (started for this command). */
export async function databaseForCommand(): Promise<{ url: string; stop(): Promise<void> }> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, stop: async () => undefined };
  return startEmbeddedPostgres(resolve(process.env.DATA_DIR || './.data'));
}
