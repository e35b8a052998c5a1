import 'reflect-metadata';
import { pino } from 'pino';
import { ConfigError, loadBrokerConfig } from '#libs/config';
import { EmbeddedPostgresError } from '#libs/database';
import { createBrokerApp } from './bootstrap/create-app.js';
import { type Runtime, startRuntime } from './bootstrap/runtime.js';

const log = pino({ name: 'broker' });

function loadConfigOrExit(): ReturnType<typeof loadBrokerConfig> {
  try {
    return loadBrokerConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    return process.exit(1);
  }
}

const { config, generated } = loadConfigOrExit();
log.level = config.logLevel;
if (generated) {
  log.warn(
    { file: generated.file, generated: generated.names },
    'using development secrets generated in DATA_DIR',
  );
}

/** A reason the embedded Postgres cannot run here is the operator's to fix: one sentence, no stack. */
async function startRuntimeOrExit(): Promise<Runtime> {
  try {
    return await startRuntime(config, log);
  } catch (error) {
    if (!(error instanceof EmbeddedPostgresError)) throw error;
    console.error(error.message);
    return process.exit(1);
  }
}

const runtime = await startRuntimeOrExit();
const app = await createBrokerApp(config, runtime.databaseUrl);
await app.listen({ port: config.http.port, host: config.http.host });
log.info({ url: await app.getUrl(), docs: `${config.http.publicUrl}/docs` }, 'broker ready');

/**
 * Shutdown order matters: stop taking requests and finish in-flight work (which may be persisting a
 * rotated refresh token) before the database goes away.
 */
let stopping = false;
async function shutdown(signal: NodeJS.Signals): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'shutting down');
  await app.close();
  await runtime.stop();
  log.info('stopped');
  process.exit(0);
}
process.once('SIGINT', (signal) => void shutdown(signal));
process.once('SIGTERM', (signal) => void shutdown(signal));
