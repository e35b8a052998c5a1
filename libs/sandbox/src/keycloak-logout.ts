import type { IncomingMessage, ServerResponse } from 'node:http';

import type Provider from 'oidc-provider';

import { readForm, sendEmpty, sendJson } from './http.js';
import type { MemoryStore } from './memory-store.js';
import { sameSecret } from './same-secret.js';
import type { SandboxClient, SandboxLogger, SandboxStats } from './types.js';

export interface LogoutContext {
  provider: Provider;
  realm: string;
  clients: readonly SandboxClient[];
  store: MemoryStore;
  stats: SandboxStats;
  log: SandboxLogger;
}

/**
 * Keycloak's back-channel logout (`POST .../logout` with client credentials and a refresh token):
 * ends the session behind the refresh token, so it and its siblings fail with `invalid_grant`.
 */
export async function handleKeycloakLogout(
  req: IncomingMessage,
  res: ServerResponse,
  { provider, realm, clients, store, stats, log }: LogoutContext,
): Promise<void> {
  const form = await readForm(req);
  const client = clients.find((c) => c.clientId === form.get('client_id'));
  if (!client || !sameSecret(client.clientSecret, form.get('client_secret') ?? '')) {
    sendJson(res, 401, {
      error: 'unauthorized_client',
      error_description: 'Invalid client or Invalid client credentials',
    });
    return;
  }
  const value = form.get('refresh_token');
  if (!value) {
    sendJson(res, 400, { error: 'invalid_request', error_description: 'refresh_token is missing' });
    return;
  }
  const token = await provider.RefreshToken.find(value, { ignoreExpiration: true });
  if (!token?.grantId || token.isExpired || token.clientId !== client.clientId) {
    sendJson(res, 400, { error: 'invalid_grant', error_description: 'Invalid refresh token' });
    return;
  }
  store.revokeGrant(token.grantId);
  stats.logouts += 1;
  log({ level: 'info', message: 'session logged out', details: { realm, clientId: client.clientId } });
  sendEmpty(res, 204);
}
