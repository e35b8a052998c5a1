import { expect } from '@jest/globals';
import { completeSandboxLogin } from '#libs/sandbox';
import { ConnectionSecrets } from '../../apps/broker/src/connections/connection-secrets.js';
import type { SandboxedBroker } from './sandboxed-broker.js';
import { sql } from './sql.js';

export interface ConnectionJson {
  id: string;
  type: string;
  status: string;
  label: string | null;
  sipgateUserId: string;
  sipgateAccountId: string;
  [field: string]: unknown;
}

/** Starts an OAuth connection, logs in at the sandbox as `sub`, and returns the callback's URL path. */
export async function loginAtSandbox(
  broker: SandboxedBroker,
  options: { sub?: string; masterSipId?: string; label?: string; deny?: boolean } = {},
): Promise<string> {
  const started = await broker.app.inject({
    method: 'POST',
    url: '/v1/connections/oauth',
    headers: broker.admin,
    payload: options.label ? { label: options.label } : {},
  });
  expect(started.statusCode).toBe(201);
  const redirect = await completeSandboxLogin(
    started.json<{ authorizationUrl: string }>().authorizationUrl,
    options,
  );
  return redirect.pathname + redirect.search;
}

/** The whole OAuth connect, as an admin in a browser would do it; returns the stored connection. */
export async function connectOAuth(
  broker: SandboxedBroker,
  options: { sub?: string; masterSipId?: string; label?: string } = {},
): Promise<ConnectionJson> {
  const callback = await loginAtSandbox(broker, options);
  const response = await broker.app.inject({ url: callback, headers: { accept: 'application/json' } });
  expect(response.statusCode).toBe(200);
  return response.json<ConnectionJson>();
}

export async function readToken(
  broker: SandboxedBroker,
  id: string,
  minValidity?: number,
  authorization?: string,
) {
  return broker.app.inject({
    url: `/v1/connections/${id}/token${minValidity === undefined ? '' : `?minValidity=${minValidity}`}`,
    headers: { authorization: authorization ?? broker.admin.authorization },
  });
}

/** The refresh token the broker stores for a connection, opened with the broker's own keys. */
export async function storedRefreshToken(broker: SandboxedBroker, id: string): Promise<string> {
  const [row] = await sql<{ sealed: Uint8Array }>(
    broker.database.url,
    `SELECT refresh_token_ciphertext AS sealed FROM connections WHERE id = $1`,
    [id],
  );
  return broker.app.get(ConnectionSecrets).open(id, 'refresh_token', row!.sealed);
}
