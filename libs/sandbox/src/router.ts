import type { IncomingMessage, ServerResponse } from 'node:http';

import type Provider from 'oidc-provider';

import type { ApiAuthContext } from './api-auth.js';
import { CONTROL_PREFIX, handleControl } from './control-routes.js';
import { DEFAULT_SCOPE } from './demo-data.js';
import type { Directory } from './directory.js';
import { BadRequest, sendJson } from './http.js';
import { handleKeycloakLogout } from './keycloak-logout.js';
import { handleLoginAction } from './login-actions.js';
import type { MemoryStore } from './memory-store.js';
import { KEYCLOAK_ROUTES, LOGIN_ACTIONS_ROUTE, LOGOUT_ROUTE } from './realm-provider.js';
import { handleSipgateApi } from './sipgate-api.js';
import type { TokenFaultInjector } from './token-fault.js';
import type { Sandbox, SandboxClient, SandboxLogger, SandboxStats } from './types.js';

export interface RealmRuntime {
  name: string;
  provider: Provider;
  callback: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
}

export interface RouterContext {
  realms: ReadonlyMap<string, RealmRuntime>;
  apiAuth: ApiAuthContext;
  clients: readonly SandboxClient[];
  directory: Directory;
  store: MemoryStore;
  faults: TokenFaultInjector;
  stats: SandboxStats;
  log: SandboxLogger;
  sandbox: Sandbox;
}

const REALM_PATH = /^\/auth\/realms\/([^/]+)(\/.*)?$/;

/** One HTTP server for everything, dispatched by path as sipgate splits it across hosts. */
export function createRouter(context: RouterContext): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    route(req, res, context).catch((error: unknown) => {
      // AbortError: close() cut short an injected delay; the connection is going away anyway.
      if (res.headersSent || (error as Error).name === 'AbortError') {
        res.destroy();
      } else if (error instanceof BadRequest) {
        sendJson(res, 400, { error: 'invalid_request', error_description: error.message });
      } else {
        context.log({
          level: 'error',
          message: `request failed: ${(error as Error).message}`,
          details: { path: req.url },
        });
        sendJson(res, 500, { error: 'server_error', error_description: 'sipgate sandbox failed' });
      }
    });
  };
}

async function route(req: IncomingMessage, res: ServerResponse, context: RouterContext): Promise<void> {
  // Absolute URLs arrive when a client uses the sandbox as its HTTP proxy for https://api.sipgate.com,
  // which is how the sipgateio SDK (fixed base URL) can be pointed here.
  const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
  const path = url.pathname;
  req.url = `${path}${url.search}`;

  if (path === CONTROL_PREFIX || path.startsWith(`${CONTROL_PREFIX}/`)) {
    return handleControl(req, res, path, context.sandbox);
  }
  if (path.startsWith('/v2/')) return handleSipgateApi(req, res, path, context.apiAuth);

  const match = REALM_PATH.exec(path);
  const realm = match && context.realms.get(match[1]!);
  if (realm) return routeRealm(req, res, realm, match[2] ?? '/', url, context);

  if (path === '/') {
    return sendJson(res, 200, {
      service: 'sipgate sandbox',
      realms: [...context.realms.keys()].map((name) => `/auth/realms/${name}`),
      control: CONTROL_PREFIX,
    });
  }
  sendJson(res, 404, { error: 'not_found', error_description: `nothing at ${path}` });
}

async function routeRealm(
  req: IncomingMessage,
  res: ServerResponse,
  realm: RealmRuntime,
  subPath: string,
  url: URL,
  context: RouterContext,
): Promise<void> {
  const { provider, name } = realm;
  if (subPath.startsWith(LOGIN_ACTIONS_ROUTE)) {
    return handleLoginAction(req, res, { provider, realm: name, directory: context.directory });
  }
  if (subPath === LOGOUT_ROUTE && req.method === 'POST') {
    return handleKeycloakLogout(req, res, { provider, realm: name, ...context });
  }
  if (subPath === KEYCLOAK_ROUTES.token) {
    context.stats.tokenEndpointRequests += 1;
    const fault = await context.faults.intercept(res);
    if (fault !== 'none') context.stats.faultsInjected += 1;
    if (fault === 'answered') return;
  }
  if (subPath === KEYCLOAK_ROUTES.authorization && !url.searchParams.has('scope')) {
    url.searchParams.set('scope', DEFAULT_SCOPE);
  }
  // oidc-provider routes relative to its issuer and, like under Express, learns the mount path
  // from originalUrl (so both must keep the same query).
  Object.assign(req, { originalUrl: `${url.pathname}${url.search}`, url: `${subPath}${url.search}` });
  await realm.callback(req, res);
}
