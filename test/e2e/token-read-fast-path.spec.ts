import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { ValidationPipe } from '@nestjs/common';
import type { LightMyRequestResponse } from 'fastify';
import { connectOAuth, type ConnectionJson } from '../support/connect-flow.js';
import { startSandboxedBroker, type SandboxedBroker } from '../support/sandboxed-broker.js';

/**
 * Token reads with plainly valid parameters are answered by the fast path (token-read-fast-path.ts)
 * and everything else by Nest's own pipeline. `minValidity=+30` is valid but not "plain", so it
 * takes Nest's path with the same meaning as `minValidity=30`: the two must answer alike.
 */
describe('token reads on the fast path and through Nest', () => {
  let broker: SandboxedBroker;
  let connection: ConnectionJson;
  let readerKey: string;
  let readerOfOtherKey: string;
  let adminOnlyKey: string;

  const read = (id: string, query: string, authorization?: string) =>
    broker.app.inject({
      url: `/v1/connections/${id}/token${query}`,
      headers: authorization === undefined ? {} : { authorization },
    });
  /** The same read on both paths: `minValidity=30` (fast) and `minValidity=+30` (Nest). */
  const both = async (id: string, authorization?: string) => ({
    fast: await read(id, '?minValidity=30', authorization),
    nest: await read(id, '?minValidity=%2B30', authorization),
  });
  const comparable = (response: LightMyRequestResponse) => {
    const body = response.json<Record<string, unknown>>();
    const { requestId, instance, expiresIn, ...rest } = body;
    return {
      status: response.statusCode,
      contentType: response.headers['content-type'],
      cacheControl: response.headers['cache-control'],
      wwwAuthenticate: response.headers['www-authenticate'],
      hasRequestId: typeof response.headers['x-request-id'] === 'string',
      body: rest,
      // Present on problems; the two paths were asked with different query strings.
      instance: typeof instance === 'string' ? instance.split('?')[0] : instance,
      requestIdMatchesHeader: requestId === undefined || requestId === response.headers['x-request-id'],
      expiresIn: typeof expiresIn,
    };
  };
  const createKey = async (body: object) => {
    const response = await broker.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: broker.admin,
      payload: body,
    });
    expect(response.statusCode).toBe(201);
    return `Bearer ${response.json<{ key: string }>().key}`;
  };

  beforeAll(async () => {
    broker = await startSandboxedBroker();
    connection = await connectOAuth(broker);
    readerKey = await createKey({ name: 'reader', scopes: ['tokens:read'] });
    readerOfOtherKey = await createKey({
      name: 'reader of another connection',
      scopes: ['tokens:read'],
      connectionIds: [randomUUID()],
    });
    adminOnlyKey = broker.admin.authorization;
  });
  afterAll(async () => {
    await broker.close();
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('answers a plain read without Nest validation, and an unusual one through it, alike', async () => {
    const validate = jest.spyOn(ValidationPipe.prototype, 'transform');
    const fast = await read(connection.id, '?minValidity=30', readerKey);
    expect(validate).not.toHaveBeenCalled();
    const nest = await read(connection.id, '?minValidity=%2B30', readerKey);
    expect(validate).toHaveBeenCalled();

    expect(fast.statusCode).toBe(200);
    expect(comparable(fast)).toEqual(comparable(nest));
    expect(fast.headers['cache-control']).toBe('no-store');
    expect(fast.json()).toMatchObject({
      connectionId: connection.id,
      tokenType: 'Bearer',
      authorizationHeader: `Bearer ${fast.json<{ accessToken: string }>().accessToken}`,
    });
  });

  it('serves the admin key and the default minValidity on the fast path', async () => {
    const response = await read(connection.id, '', adminOnlyKey);
    expect(response.statusCode).toBe(200);
    expect(response.json<{ expiresIn: number }>().expiresIn).toBeGreaterThanOrEqual(30);
  });

  it.each([
    ['no key', undefined, 401],
    ['an unknown key', `Bearer sgtb_${'u'.repeat(43)}`, 401],
    ['a malformed header', 'Basic dXNlcjpwYXNz', 401],
  ])('refuses %s with the same problem on both paths', async (_case, authorization, status) => {
    const { fast, nest } = await both(connection.id, authorization);
    expect(fast.statusCode).toBe(status);
    expect(comparable(fast)).toEqual(comparable(nest));
  });

  it('refuses a key limited to other connections with the same 403 on both paths', async () => {
    const { fast, nest } = await both(connection.id, readerOfOtherKey);
    expect(fast.statusCode).toBe(403);
    expect(comparable(fast)).toEqual(comparable(nest));
  });

  it('answers 404 for an unknown connection alike on both paths', async () => {
    const { fast, nest } = await both(randomUUID(), readerKey);
    expect(fast.statusCode).toBe(404);
    expect(fast.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(comparable(fast)).toEqual(comparable(nest));
  });

  it('leaves invalid parameters to Nest: 400 after authentication, 401 before it', async () => {
    const invalidId = await read('not-a-uuid', '', readerKey);
    expect(invalidId.statusCode).toBe(400);
    expect(JSON.stringify(invalidId.json())).toMatch(/\bid\b/);
    const tooLong = await read(connection.id, '?minValidity=3601', readerKey);
    expect(tooLong.statusCode).toBe(400);
    const unknownParameter = await read(connection.id, '?minValidity=30&extra=1', readerKey);
    expect(unknownParameter.statusCode).toBe(400);
    expect((await read('not-a-uuid', '')).statusCode).toBe(401);
  });
});
