import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ChangeFeed } from '../../apps/broker/src/change-feed/change-feed.service.js';
import { ConnectionsRepository } from '../../apps/broker/src/connections/connections.repository.js';
import {
  type ConnectionEvent,
  ConnectionEvents,
} from '../../apps/broker/src/connections/connection-events.js';
import { RefreshRepository } from '../../apps/broker/src/refresh/refresh.repository.js';
import { connectOAuth, type ConnectionJson } from '../support/connect-flow.js';
import { startSandboxedBroker, type SandboxedBroker } from '../support/sandboxed-broker.js';
import { waitFor } from '../support/wait-for.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** The spellings of one UUID that name the same resource (API.md "Canonical ids"). */
const SPELLINGS = {
  lower: (id: string) => id,
  upper: (id: string) => id.toUpperCase(),
  mixed: (id: string) => id.replace(/./g, (c, offset: number) => (offset % 2 ? c.toUpperCase() : c)),
};
const EACH_SPELLING = Object.entries(SPELLINGS);

/** Every route with an `{id}`; the token read twice, as the fast path and Nest's pipeline answer it. */
const ID_ROUTES: [string, Method, (id: string) => string, object?][] = [
  ['read', 'GET', (id) => `/v1/connections/${id}`],
  ['relabel', 'PATCH', (id) => `/v1/connections/${id}`, { label: 'x' }],
  ['disconnect', 'DELETE', (id) => `/v1/connections/${id}`],
  ['refresh', 'POST', (id) => `/v1/connections/${id}/refresh`],
  ['token (fast path)', 'GET', (id) => `/v1/connections/${id}/token?minValidity=30`],
  ['token (Nest)', 'GET', (id) => `/v1/connections/${id}/token?minValidity=%2B30`],
  ['API key revocation', 'DELETE', (id) => `/v1/api-keys/${id}`],
];

describe('ids in any letter case name the same resource', () => {
  let broker: SandboxedBroker;
  let connection: ConnectionJson;
  beforeAll(async () => {
    broker = await startSandboxedBroker();
    connection = await connectOAuth(broker, { sub: 'w0', masterSipId: '2556404' });
  });
  afterAll(() => broker.close());

  const call = (method: Method, url: string, payload?: object, headers = broker.admin) =>
    broker.app.inject({ method, url, headers, ...(payload && { payload }) });
  const createKey = async (body: object) => {
    const response = await call('POST', '/v1/api-keys', body);
    expect(response.statusCode).toBe(201);
    return response.json<{ id: string; key: string; connectionIds: string[] | null }>();
  };

  it.each(EACH_SPELLING)('reads, relabels and refreshes by the %s-case id', async (spelling, spell) => {
    const id = spell(connection.id);
    const read = await call('GET', `/v1/connections/${id}`);
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({ id: connection.id });

    const relabelled = await call('PATCH', `/v1/connections/${id}`, { label: spelling });
    expect(relabelled.statusCode).toBe(200);
    expect(relabelled.json()).toMatchObject({ id: connection.id, label: spelling });

    const refreshed = await call('POST', `/v1/connections/${id}/refresh`);
    expect(refreshed.statusCode).toBe(200);
    expect(refreshed.json()).toMatchObject({ id: connection.id });
  });

  it.each(EACH_SPELLING)(
    'serves a token by the %s-case id, from Postgres and from the cache, on both paths',
    async (_spelling, spell) => {
      for (const query of ['?minValidity=30', '?minValidity=%2B30']) {
        // Dropped from this replica's cache first, so the first read decrypts what Postgres holds.
        broker.app.get(ChangeFeed).deliverLocally('connection', connection.id);
        for (const source of ['store', 'cache']) {
          const response = await call('GET', `/v1/connections/${spell(connection.id)}/token${query}`);
          expect({ query, source, status: response.statusCode }).toEqual({ query, source, status: 200 });
          expect(response.json()).toMatchObject({ connectionId: connection.id, tokenType: 'Bearer' });
        }
      }
    },
  );

  it.each(EACH_SPELLING)(
    'disconnects by the %s-case id: 204, audited, logged out at sipgate, announced',
    async (_spelling, spell) => {
      // A user of its own, connected anew each time: no reconnect logout to tell apart from this one.
      const doomed = await connectOAuth(broker, { sub: 'w1' });
      const events: ConnectionEvent[] = [];
      broker.app.get(ConnectionEvents).on((event) => events.push(event));
      const logoutsBefore = broker.sandbox.stats().logouts;

      const response = await call('DELETE', `/v1/connections/${spell(doomed.id)}`);
      expect(response.statusCode).toBe(204);
      expect(events).toContainEqual(
        expect.objectContaining({ type: 'connection.disconnected', connectionId: doomed.id }),
      );
      expect(await waitFor(async () => broker.sandbox.stats().logouts === logoutsBefore + 1)).toBe(true);
      const trail = await call('GET', `/v1/audit-events?targetId=${doomed.id}`);
      expect(trail.json<{ items: unknown[] }>().items).toContainEqual(
        expect.objectContaining({ action: 'connection.delete', targetId: doomed.id, statusCode: 204 }),
      );
      expect((await call('GET', `/v1/connections/${doomed.id}`)).statusCode).toBe(404);
    },
  );

  it.each(EACH_SPELLING)(
    'revokes an API key by the %s-case id, refused at once on this replica',
    async (_spelling, spell) => {
      const { id, key } = await createKey({ name: 'ops', scopes: ['admin'] });
      const listWithIt = () => call('GET', '/v1/api-keys', undefined, { authorization: `Bearer ${key}` });
      expect((await listWithIt()).statusCode).toBe(200); // cached on this replica now
      expect((await call('DELETE', `/v1/api-keys/${spell(id)}`)).statusCode).toBe(204);
      expect((await listWithIt()).statusCode).toBe(401);
    },
  );

  it('limits a key to connection ids given in any case, stored and answered in lower case', async () => {
    const other = randomUUID();
    const created = await createKey({
      name: 'reader',
      scopes: ['tokens:read'],
      connectionIds: [SPELLINGS.upper(connection.id), SPELLINGS.mixed(other)],
    });
    expect(created.connectionIds).toEqual([connection.id, other]);
    const reader = { authorization: `Bearer ${created.key}` };
    const token = await call(
      'GET',
      `/v1/connections/${SPELLINGS.upper(connection.id)}/token`,
      undefined,
      reader,
    );
    expect(token.statusCode).toBe(200);
    expect(token.json()).toMatchObject({ connectionId: connection.id });
  });

  it('counts one id in two spellings as a repeat', async () => {
    const response = await call('POST', '/v1/api-keys', {
      name: 'reader',
      scopes: ['tokens:read'],
      connectionIds: [connection.id, SPELLINGS.upper(connection.id)],
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ errors: [expect.objectContaining({ field: 'connectionIds' })] });
  });

  it('opens secrets under the id Postgres returns, whatever spelling the repositories were given', async () => {
    const target = await connectOAuth(broker, { sub: 'w0', masterSipId: '3141592' });
    const upper = SPELLINGS.upper(target.id);
    const credential = await broker.app.get(ConnectionsRepository).readCredential(upper);
    expect(credential).toMatchObject({ connectionId: target.id, secret: expect.any(String) });
    const claim = await broker.app.get(RefreshRepository).claim(upper, 60_000);
    expect(claim).toMatchObject({ connectionId: target.id, refreshToken: expect.any(String) });
    const deleted = await broker.app.get(ConnectionsRepository).delete(upper, {
      action: 'connection.delete',
      targetType: 'connection',
      targetId: target.id,
      actorKeyId: 'bootstrap',
      requestId: 'canonical-ids-spec',
      statusCode: 204,
    });
    expect(deleted).toMatchObject({ found: true, refreshToken: { plaintext: expect.any(String) } });
  });

  describe.each(ID_ROUTES)('%s', (_route, method, url, payload) => {
    it.each(EACH_SPELLING)(
      'answers an unknown %s-case id with 404 naming it in lower case',
      async (_spelling, spell) => {
        const unknown = randomUUID();
        const response = await call(method, url(spell(unknown)), payload);
        expect(response.statusCode).toBe(404);
        expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
        const { detail } = response.json<{ detail: string }>();
        expect(detail).toContain(unknown);
        expect(detail).not.toContain(SPELLINGS.upper(unknown));
      },
    );

    it.each(['not-a-uuid', `${randomUUID()}0`, '6F1C2B9E-8D4A-4E7B-B3A1-0C9D8E7F6A5G', '%00'])(
      'answers the malformed id %s with 400',
      async (malformed) => {
        const response = await call(method, url(malformed), payload);
        expect(response.statusCode).toBe(400);
        expect(response.json()).toMatchObject({ errors: [{ field: 'id', message: 'id must be a UUID' }] });
      },
    );
  });
});
