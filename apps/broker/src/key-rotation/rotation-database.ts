import type { BrokerConfig } from '#libs/config';
import { runningEmbeddedPostgresUrl, startEmbeddedPostgres } from '#libs/database';

/**
 * The database the broker of this configuration uses: DATABASE_URL; else the embedded Postgres
 * under DATA_DIR, joined if a broker runs on it (the rotation is meant to run next to live brokers),
 * started for the command otherwise.
 */
export async function rotationDatabase(
  config: BrokerConfig,
): Promise<{ url: string; stop(): Promise<void> }> {
  const none = async () => undefined;
  if (config.databaseUrl) return { url: config.databaseUrl, stop: none };
  const running = await runningEmbeddedPostgresUrl(config.dataDir);
  if (running) return { url: running, stop: none };
  return startEmbeddedPostgres(config.dataDir);
}
