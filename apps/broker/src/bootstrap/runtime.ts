import type { Logger } from 'pino';
import type { BrokerConfig } from '#libs/config';
import { applyPendingMigrations, startEmbeddedPostgres } from '#libs/database';

/** What the broker needs running before Nest starts, and how to stop it again (in reverse order). */
export interface Runtime {
  databaseUrl: string;
  stop(): Promise<void>;
}

/**
 * Starts the bundled sipgate sandbox when no OAuth client is configured outside production, and
 * points the sipgate URLs at it (unless they were set explicitly). Imported only then: the OAuth
 * server it is built on costs a configured broker ~160 ms of start-up and ~25 MiB for nothing.
 */
async function startSandboxIfNeeded(
  config: BrokerConfig,
  log: Logger,
): Promise<(() => Promise<void>) | undefined> {
  if (!config.sipgate.sandbox) return undefined;
  const { startSandbox } = await import('#libs/sandbox');
  const sandbox = await startSandbox({
    port: config.sipgate.sandboxPort,
    clients: [
      {
        clientId: config.sipgate.clientId,
        clientSecret: config.sipgate.clientSecret,
        redirectUris: [config.http.oauthRedirectUri],
      },
    ],
  });
  if (config.sipgate.urlsFromSandbox) {
    config.sipgate.loginUrl = sandbox.url;
    config.sipgate.apiUrl = sandbox.url;
  }
  log.warn(
    {
      sandbox: sandbox.url,
      demoPats: sandbox.pats().map(({ tokenId, token, sub }) => ({ tokenId, token, sub })),
    },
    'no SIPGATE_CLIENT_ID configured: using the bundled sipgate sandbox (demo users, demo PATs)',
  );
  return () => sandbox.close();
}

/**
 * Starts what the broker needs before Nest: the embedded Postgres when no DATABASE_URL is
 * configured, the sandbox in development, and pending migrations (serialised across replicas by an
 * advisory lock, see libs/database). Should one of them fail, what already started is stopped
 * again before the error goes on (an embedded Postgres would otherwise outlive the broker).
 */
export async function startRuntime(config: BrokerConfig, log: Logger): Promise<Runtime> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const next of stops.reverse()) await next();
  };
  try {
    const stopSandbox = await startSandboxIfNeeded(config, log);
    if (stopSandbox) stops.push(stopSandbox);
    let databaseUrl = config.databaseUrl;
    if (!databaseUrl) {
      const embedded = await startEmbeddedPostgres(config.dataDir, {
        log: (line) => log.debug({ postgres: line }),
      });
      stops.push(() => embedded.stop());
      databaseUrl = embedded.url;
      log.info({ dataDir: config.dataDir }, 'embedded Postgres started');
    }
    const applied = await applyPendingMigrations(databaseUrl);
    log.info({ applied }, applied.length ? 'migrations applied' : 'database schema up to date');
    return { databaseUrl, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
