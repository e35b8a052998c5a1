import { DEFAULT_SANDBOX_CLIENT, type SandboxOptions } from '#libs/sandbox';

export const DEFAULT_SANDBOX_PORT = 3001;

type Env = Record<string, string | undefined>;

/** Reads the runner's settings; a bad value throws an error naming the variable. */
export function sandboxOptionsFromEnv(env: Env): SandboxOptions {
  return {
    port: integer(env, 'SANDBOX_PORT', 0, 65535) ?? DEFAULT_SANDBOX_PORT,
    host: nonEmpty(env, 'SANDBOX_HOST') ?? '127.0.0.1',
    publicUrl: url(env, 'SANDBOX_PUBLIC_URL'),
    clients: [client(env)],
    accessTokenTtlSeconds: integer(env, 'SANDBOX_ACCESS_TOKEN_TTL', 1),
    refreshTokenTtlSeconds: integer(env, 'SANDBOX_REFRESH_TOKEN_TTL', 1),
  };
}

function client(env: Env) {
  const clientId = nonEmpty(env, 'SANDBOX_CLIENT_ID') ?? DEFAULT_SANDBOX_CLIENT.clientId;
  const clientSecret = nonEmpty(env, 'SANDBOX_CLIENT_SECRET') ?? DEFAULT_SANDBOX_CLIENT.clientSecret;
  const listed = nonEmpty(env, 'SANDBOX_REDIRECT_URIS')
    ?.split(',')
    .map((uri) => uri.trim())
    .filter(Boolean);
  const redirectUris = listed ?? DEFAULT_SANDBOX_CLIENT.redirectUris;
  for (const uri of redirectUris) {
    if (!isHttpUrl(uri)) throw new Error(`SANDBOX_REDIRECT_URIS: "${uri}" is not an absolute http(s) URL`);
  }
  return { clientId, clientSecret, redirectUris };
}

function nonEmpty(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function integer(env: Env, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const raw = nonEmpty(env, name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function url(env: Env, name: string): string | undefined {
  const raw = nonEmpty(env, name);
  if (raw !== undefined && !isHttpUrl(raw))
    throw new Error(`${name} must be an absolute http(s) URL, got "${raw}"`);
  return raw;
}

function isHttpUrl(value: string): boolean {
  return URL.canParse(value) && ['http:', 'https:'].includes(new URL(value).protocol);
}
