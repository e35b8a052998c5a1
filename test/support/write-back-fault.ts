import { sql } from './sql.js';

export interface WriteBackFault {
  /** Idempotent, so an afterEach may call it again. */
  release(): Promise<void>;
}

/**
 * Makes the real Postgres refuse every refresh write-back (an UPDATE of `connections` that sets
 * `last_refreshed_at`, which only RefreshRepository.complete and a reconnect do), while claims, the
 * marking of dead grants, key rotation and reads keep working: a holder cut off from the database
 * on its own, in the middle of storing rotated tokens. `release()` lets write-backs through again.
 */
export async function refuseWriteBacks(url: string): Promise<WriteBackFault> {
  await sql(
    url,
    `CREATE FUNCTION refuse_write_back() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'write-back refused by the test'; END $$`,
  );
  await sql(
    url,
    `CREATE TRIGGER refuse_write_back BEFORE UPDATE ON connections FOR EACH ROW
       WHEN (OLD.last_refreshed_at IS DISTINCT FROM NEW.last_refreshed_at)
       EXECUTE FUNCTION refuse_write_back()`,
  );
  return {
    release: async () => {
      await sql(url, 'DROP TRIGGER IF EXISTS refuse_write_back ON connections');
      await sql(url, 'DROP FUNCTION IF EXISTS refuse_write_back()');
    },
  };
}
