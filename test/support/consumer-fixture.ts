import { expect } from '@jest/globals';
import pg from 'pg';
import type { SandboxPat, SandboxUser } from '#libs/sandbox';
import { ChangeFeed } from '../../apps/broker/src/change-feed/change-feed.service.js';
import type { ConnectionJson } from './connect-flow.js';
import type { SandboxedBroker } from './sandboxed-broker.js';

/**
 * Helpers for specs that use the broker the way a consumer service does: over real HTTP, with an
 * API key of its own.
 */

/** Users enough for one spec file to give every test its own sipgate user (and so its own grant). */
export function sandboxUsers(count: number): SandboxUser[] {
  return Array.from({ length: count }, (_, i) => ({
    sub: `w${i}`,
    masterSipId: '4711000',
    domain: 'sipgate.de',
    locale: 'de_DE',
    name: `Consumer Test User ${i}`,
    company: 'Consumer Tests GmbH',
  }));
}

/** Serves the in-process broker on an ephemeral loopback port; returns its base URL. */
export async function serveBroker(broker: SandboxedBroker): Promise<string> {
  await broker.app.listen({ port: 0, host: '127.0.0.1' });
  return broker.app.getUrl();
}

/** A `tokens:read` API key, optionally limited to some connections, as a consumer team gets one. */
export async function createTokenReaderKey(
  broker: SandboxedBroker,
  connectionIds?: string[],
): Promise<string> {
  const response = await broker.app.inject({
    method: 'POST',
    url: '/v1/api-keys',
    headers: broker.admin,
    payload: { name: 'consumer under test', scopes: ['tokens:read'], connectionIds },
  });
  expect(response.statusCode).toBe(201);
  return response.json<{ key: string }>().key;
}

export async function connectPat(broker: SandboxedBroker, pat: SandboxPat): Promise<ConnectionJson> {
  const response = await broker.app.inject({
    method: 'POST',
    url: '/v1/connections/pat',
    headers: broker.admin,
    payload: { tokenId: pat.tokenId, token: pat.token },
  });
  expect(response.statusCode).toBe(201);
  return response.json<ConnectionJson>();
}

/** A fetch that records every URL it is asked for, so specs can count requests to the broker. */
export function countingFetch(): { fetch: typeof fetch; urls: URL[] } {
  const urls: URL[] = [];
  return {
    urls,
    fetch: (input, init) => {
      urls.push(new URL(input instanceof Request ? input.url : String(input)));
      return fetch(input, init);
    },
  };
}

/**
 * Sets the broker's stored access token to expire in `seconds`, as time passing would, and drops
 * the broker's cached copy as a change notice from another replica would.
 */
export async function expireStoredToken(broker: SandboxedBroker, id: string, seconds: number): Promise<void> {
  const client = new pg.Client({ connectionString: broker.database.url });
  await client.connect();
  try {
    await client.query(
      `UPDATE connections SET access_token_expires_at = now() + $2 * interval '1 second' WHERE id = $1`,
      [id, seconds],
    );
  } finally {
    await client.end();
  }
  broker.app.get(ChangeFeed).deliverLocally('connection', id);
}

/** Whether sipgate (the sandbox) accepts this `Authorization` header right now. */
export async function sandboxAccepts(broker: SandboxedBroker, authorization: string): Promise<boolean> {
  const response = await fetch(`${broker.sandbox.url}/v2/authorization/userinfo`, {
    headers: { authorization },
  });
  await response.body?.cancel();
  return response.ok;
}
