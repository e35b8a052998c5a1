import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type Provider from 'oidc-provider';
import type { OIDCProviderError } from 'oidc-provider';

import type { RealmKey } from './api-auth.js';
import {
  DEFAULT_ACCESS_TOKEN_TTL_SECONDS,
  DEFAULT_REALMS,
  DEFAULT_REFRESH_TOKEN_TTL_SECONDS,
  DEFAULT_SANDBOX_CLIENT,
  DEMO_USERS,
  SIPGATE_SCOPES,
  demoPats,
} from './demo-data.js';
import { Directory, accountIdOf } from './directory.js';
import { MemoryStore } from './memory-store.js';
import { instrumentRealm } from './realm-hooks.js';
import { createRealmProvider } from './realm-provider.js';
import { createRouter, type RealmRuntime } from './router.js';
import { generateSigningKey } from './signing-key.js';
import { emptyStats } from './stats.js';
import { TokenFaultInjector } from './token-fault.js';
import type { Sandbox, SandboxClient, SandboxOptions } from './types.js';

const REALM_NAME = /^[A-Za-z0-9_-]+$/;

/** Starts a local stand-in for sipgate's login server (Keycloak) and REST API on one HTTP server. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const realmNames = options.realms ?? DEFAULT_REALMS;
  const clients = options.clients ?? [DEFAULT_SANDBOX_CLIENT];
  const users = options.users ?? DEMO_USERS;
  const accessTokenTtlSeconds = ttlOption(
    'accessTokenTtlSeconds',
    options.accessTokenTtlSeconds,
    DEFAULT_ACCESS_TOKEN_TTL_SECONDS,
  );
  const refreshTokenTtlSeconds = ttlOption(
    'refreshTokenTtlSeconds',
    options.refreshTokenTtlSeconds,
    DEFAULT_REFRESH_TOKEN_TTL_SECONDS,
  );
  if (!realmNames.length || !realmNames.every((name) => REALM_NAME.test(name))) {
    throw new Error('realms must be a non-empty list of names made of letters, digits, - and _');
  }

  const directory = new Directory(users, options.pats ?? demoPats(users));
  const log = options.logger ?? (() => undefined);
  const store = new MemoryStore();
  const stats = emptyStats();
  const faults = new TokenFaultInjector();
  const realms = new Map<string, RealmRuntime>();
  const realmKeys: RealmKey[] = [];
  const signingKeys = await Promise.all(realmNames.map((name) => generateSigningKey(`sandbox-${name}`)));

  // Issuers contain the port, which is known only after listening; until the realms exist the
  // router is not installed.
  let router: ReturnType<typeof createRouter> | undefined;
  const server = createServer((req, res) => (router ? router(req, res) : res.writeHead(503).end()));
  const port = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  const url = (options.publicUrl ?? `http://${hostForUrl(options.host ?? '127.0.0.1')}:${port}`).replace(
    /\/+$/,
    '',
  );
  const cookieKeys = [randomBytes(32).toString('base64url')];
  const issuerFor = (realm = realmNames[0]!) => `${url}/auth/realms/${realm}`;

  try {
    for (const [index, name] of realmNames.entries()) {
      const issuer = issuerFor(name);
      const provider = createRealmProvider({
        issuer,
        apiAudience: url,
        signingKey: signingKeys[index]!.jwk,
        cookieKeys,
        clients,
        scopes: options.scopes ?? SIPGATE_SCOPES,
        accessTokenTtlSeconds,
        refreshTokenTtlSeconds,
        directory,
        store,
      });
      instrumentRealm(provider, { realm: name, stats, log });
      realms.set(name, { name, provider, callback: provider.callback() });
      realmKeys.push({ issuer, publicKey: signingKeys[index]!.publicKey });
      await assertClientsValid(provider, clients);
    }
  } catch (error) {
    // A rejected client (e.g. a malformed redirect URI) must not leave the port bound.
    server.close();
    throw error;
  }

  const sandbox: Sandbox = {
    url,
    realms: realmNames,
    clients,
    users: directory.users,
    issuerFor,
    pats: () => directory.pats(),
    stats: () => ({ ...stats }),
    resetStats: () => void Object.assign(stats, emptyStats()),
    setTokenEndpointFault: (fault) => {
      faults.set(fault);
      log({
        level: 'info',
        message: fault ? 'token endpoint fault set' : 'token endpoint fault cleared',
        details: { ...fault },
      });
    },
    revokeGrantsOf: (sub, masterSipId) => {
      const grantIds = directory
        .findUsers(sub, masterSipId)
        .flatMap((user) => store.grantIdsOf(accountIdOf(user)));
      grantIds.forEach((grantId) => store.revokeGrant(grantId));
      log({
        level: 'info',
        message: 'grants revoked',
        details: { sub, masterSipId, count: grantIds.length },
      });
      return grantIds.length;
    },
    addPat: (pat) => directory.addPat(pat),
    revokePat: (tokenId) => directory.revokePat(tokenId),
    close: async () => {
      faults.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
  router = createRouter({
    realms,
    apiAuth: { realmKeys, audience: url, directory, store },
    clients,
    directory,
    store,
    faults,
    stats,
    log,
    sandbox,
  });
  log({ level: 'info', message: `sipgate sandbox listening on ${url}`, details: { realms: realmNames } });
  return sandbox;
}

/** oidc-provider checks client metadata only when a client is first used; fail at start instead. */
async function assertClientsValid(provider: Provider, clients: readonly SandboxClient[]): Promise<void> {
  for (const { clientId } of clients) {
    try {
      await provider.Client.find(clientId);
    } catch (error) {
      const { error_description: description, message } = error as OIDCProviderError;
      throw new Error(`sandbox client ${clientId}: ${description ?? message}`, { cause: error });
    }
  }
}

function ttlOption(name: string, value: number | undefined, fallback: number): number {
  const ttl = value ?? fallback;
  if (!Number.isInteger(ttl) || ttl <= 0)
    throw new Error(`${name} must be a positive whole number of seconds`);
  return ttl;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
