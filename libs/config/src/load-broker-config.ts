import { resolve } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { parseEncryptionKeys } from '#libs/crypto';
import type { BrokerConfig, GeneratedSecrets } from './broker-config.js';
import { ConfigError } from './config-error.js';
import { loadOrCreateDevelopmentSecrets } from './development-secrets.js';
import { EnvironmentVariables } from './environment-variables.js';

export const SANDBOX_CLIENT_ID = 'sipgate-token-broker-dev';

function validateEnvironment(env: NodeJS.ProcessEnv): { vars: EnvironmentVariables; problems: string[] } {
  // Empty strings count as unset, as in most .env tooling.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const vars = plainToInstance(EnvironmentVariables, present, { excludeExtraneousValues: false });
  const problems = validateSync(vars, { forbidUnknownValues: false, stopAtFirstError: true }).flatMap(
    (error) => Object.values(error.constraints ?? {}),
  );
  return { vars, problems };
}

/**
 * Reads and validates the whole environment at once, so one failed start lists every bad variable.
 * Outside production, missing secrets are generated into DATA_DIR and a missing OAuth client
 * selects the bundled sandbox; in production both are errors.
 */
export function loadBrokerConfig(env: NodeJS.ProcessEnv = process.env): {
  config: BrokerConfig;
  generated?: GeneratedSecrets;
} {
  const { vars, problems } = validateEnvironment(env);
  const production = vars.NODE_ENV === 'production';
  const dataDir = resolve(vars.DATA_DIR ?? './.data');
  const port = vars.PORT ?? 3000;

  if (production) {
    for (const name of [
      'BROKER_ENCRYPTION_KEYS',
      'BROKER_ADMIN_API_KEY',
      'SIPGATE_CLIENT_ID',
      'SIPGATE_CLIENT_SECRET',
    ]) {
      if (!env[name]) problems.push(`${name} is required when NODE_ENV=production`);
    }
  }
  if (Boolean(vars.SIPGATE_CLIENT_ID) !== Boolean(vars.SIPGATE_CLIENT_SECRET)) {
    problems.push('SIPGATE_CLIENT_ID and SIPGATE_CLIENT_SECRET must be set together');
  }
  if (vars.BROKER_WEBHOOK_URL && !vars.BROKER_WEBHOOK_SECRET) {
    problems.push('BROKER_WEBHOOK_SECRET is required when BROKER_WEBHOOK_URL is set');
  }
  // Configured keys are checked with everything else, so one failed start names every bad variable.
  const configuredKeys = vars.BROKER_ENCRYPTION_KEYS
    ? parseEncryptionKeys(vars.BROKER_ENCRYPTION_KEYS)
    : undefined;
  if (configuredKeys && !configuredKeys.ok) {
    problems.push(...configuredKeys.problems.map((p) => `BROKER_ENCRYPTION_KEYS: ${p}`));
  }
  if (problems.length) throw new ConfigError(problems);

  const needsGenerated =
    !vars.BROKER_ENCRYPTION_KEYS || !vars.BROKER_ADMIN_API_KEY || !vars.SIPGATE_CLIENT_ID;
  const dev = !production && needsGenerated ? loadOrCreateDevelopmentSecrets(dataDir) : undefined;
  const generatedNames: string[] = [];
  const pick = (name: string, configured: string | undefined, generated: string | undefined) => {
    if (configured) return configured;
    generatedNames.push(name);
    return generated!;
  };

  const keys = parseEncryptionKeys(
    pick('BROKER_ENCRYPTION_KEYS', vars.BROKER_ENCRYPTION_KEYS, dev?.secrets.encryptionKeys),
  );
  if (!keys.ok) throw new ConfigError(keys.problems.map((p) => `BROKER_ENCRYPTION_KEYS: ${p}`));

  const sandbox = !vars.SIPGATE_CLIENT_ID;
  const sandboxPort = vars.SANDBOX_PORT ?? (port === 0 ? 0 : port + 1);
  const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
  const publicUrl = (vars.BROKER_PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, '');

  const config: BrokerConfig = {
    production,
    http: {
      host: vars.HOST ?? '127.0.0.1',
      port,
      publicUrl,
      oauthRedirectUri: `${publicUrl}/v1/oauth/callback`,
    },
    databaseUrl: vars.DATABASE_URL,
    dataDir,
    encryptionKeys: keys.keyring,
    adminApiKey: pick('BROKER_ADMIN_API_KEY', vars.BROKER_ADMIN_API_KEY, dev?.secrets.adminApiKey),
    webhook: vars.BROKER_WEBHOOK_URL
      ? {
          url: vars.BROKER_WEBHOOK_URL,
          secret: vars.BROKER_WEBHOOK_SECRET!,
          timeoutMs: vars.BROKER_WEBHOOK_TIMEOUT_MS ?? 5_000,
          maxAttempts: vars.BROKER_WEBHOOK_MAX_ATTEMPTS ?? 25,
          maxAgeSeconds: vars.BROKER_WEBHOOK_MAX_AGE_SECONDS ?? 86_400,
        }
      : null,
    sipgate: {
      sandbox,
      sandboxPort,
      urlsFromSandbox: sandbox && !vars.SIPGATE_LOGIN_URL && !vars.SIPGATE_API_URL,
      clientId: vars.SIPGATE_CLIENT_ID ?? SANDBOX_CLIENT_ID,
      clientSecret: sandbox ? dev!.secrets.sandboxClientSecret : vars.SIPGATE_CLIENT_SECRET!,
      realm: vars.SIPGATE_OAUTH_REALM ?? 'third-party',
      loginUrl: (vars.SIPGATE_LOGIN_URL ?? (sandbox ? sandboxUrl : 'https://login.sipgate.com')).replace(
        /\/+$/,
        '',
      ),
      apiUrl: (vars.SIPGATE_API_URL ?? (sandbox ? sandboxUrl : 'https://api.sipgate.com')).replace(
        /\/+$/,
        '',
      ),
      defaultScopes: (vars.SIPGATE_OAUTH_SCOPES ?? 'all').split(' '),
      httpTimeoutMs: vars.SIPGATE_HTTP_TIMEOUT_MS ?? 5_000,
    },
    refresh: {
      marginSeconds: vars.REFRESH_MARGIN_SECONDS ?? 60,
      schedulerEnabled: vars.REFRESH_SCHEDULER !== 'off',
      // Refreshes mostly wait for sipgate: at ~50 ms each, 64 at once sustain ~1,000/s, twice what
      // 100,000 connections with 300 s tokens need (docs/benchmarks.md); 16 fell behind.
      concurrency: vars.REFRESH_CONCURRENCY ?? 64,
      tickMs: vars.REFRESH_TICK_MS ?? 1_000,
    },
    tokenRateLimit: {
      perSecond: vars.TOKEN_RATE_LIMIT_PER_SECOND ?? 100,
      burst: vars.TOKEN_RATE_LIMIT_BURST ?? 200,
    },
    logLevel: vars.LOG_LEVEL ?? 'info',
  };
  return {
    config,
    generated: generatedNames.length ? { file: dev!.file, names: generatedNames } : undefined,
  };
}
