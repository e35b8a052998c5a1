import type { Logger } from 'pino';
import type { BrokerConfig } from '#libs/config';
import { applyPendingMigrations, startEmbeddedPostgres } from '#libs/database';

/** What the broker needs running before Nest starts, and how to stop it again (in reverse order). */
export interface Runtime {
  databaseUrl: string;
  stop(): Promise<void>;
}

/**
 * Starts the embedded Postgres when no DATABASE_URL is configured, and applies pending migrations
 * (serialised across replicas by an advisory lock, see libs/database).
 */
export async function startRuntime(config: BrokerConfig, log: Logger): Promise<Runtime> {
  const stops: (() => Promise<void>)[] = [];
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    const embedded = await startEmbeddedPostgres(config.dataDir, { log: (line) => log.debug({ postgres: line }) });
    stops.push(() => embedded.stop());
    databaseUrl = embedded.url;
    log.info({ dataDir: config.dataDir }, 'embedded Postgres started');
  }
  const applied = await applyPendingMigrations(databaseUrl);
  log.info({ applied }, applied.length ? 'migrations applied' : 'database schema up to date');
  return {
    databaseUrl,
    stop: async () => {
      for (const stop of stops.reverse()) await stop();
    },
  };
}
