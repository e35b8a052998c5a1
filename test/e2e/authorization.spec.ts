import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Param } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { LightMyRequestResponse } from 'fastify';
import { AuthModule } from '../../apps/broker/src/auth/auth.module.js';
import { CurrentPrincipal } from '../../apps/broker/src/auth/current-principal.decorator.js';
import type { Principal } from '../../apps/broker/src/auth/principal.js';
import { RequireScope } from '../../apps/broker/src/auth/require-scope.decorator.js';
import { ConfigModule } from '../../apps/broker/src/config/config.module.js';
import { DatabaseModule } from '../../apps/broker/src/database/database.module.js';
import { ProblemsModule } from '../../apps/broker/src/problems/problems.module.js';
import { startTestBroker, type TestBroker } from '../support/broker-app.js';

/** A stand-in for the token route, so the connection limit is tested without the connections module. */
@Controller('v1/connections')
class TokenRouteStandIn {
  @Get(':id/token')
  @RequireScope('tokens:read')
  token(@Param('id') id: string, @CurrentPrincipal() principal: Principal) {
    return { connectionId: id, keyId: principal.keyId };
  }
}

/** The broker's auth and problem modules on the broker's database, plus the stand-in route. */
async function startAuthApp(broker: TestBroker): Promise<NestFastifyApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      ConfigModule.forRoot(broker.config),
      DatabaseModule.forRoot(broker.database.url),
      ProblemsModule,
      AuthModule,
    ],
    controllers: [TokenRouteStandIn],
  }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
    logger: false,
  });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

/** The access matrix through the real app. */
describe('authorization', () => {
  let broker: TestBroker;
  let readerKey: string;
  let revokedKey: string;
  const unknownKey = `sgtb_${'u'.repeat(43)}`;
  const basicCredentials = Buffer.from('user:secret-password').toString('base64');

  const listWith = (authorization?: string) =>
    broker.app.inject({ url: '/v1/api-keys', headers: authorization === undefined ? {} : { authorization } });
  const createKey = async (body: object) => {
    const response = await broker.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: { authorization: `Bearer ${broker.adminKey}` },
      payload: body,
    });
    expect(response.statusCode).toBe(201);
    return response.json<{ id: string; key: string }>();
  };
  /** The status of a problem answer, after checking it is one. */
  const problemStatus = (response: LightMyRequestResponse) => {
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ status: response.statusCode, detail: expect.any(String) });
    return response.statusCode;
  };

  beforeAll(async () => {
    broker = await startTestBroker();
    readerKey = (await createKey({ name: 'reader', scopes: ['tokens:read'], connectionIds: [randomUUID()] }))
      .key;
    const revoked = await createKey({ name: 'gone', scopes: ['admin'] });
    revokedKey = revoked.key;
    await broker.app.inject({
      method: 'DELETE',
      url: `/v1/api-keys/${revoked.id}`,
      headers: { authorization: `Bearer ${broker.adminKey}` },
    });
  });
  afterAll(() => broker.close());

  it('serves health and docs without a key', async () => {
    for (const url of ['/health/live', '/health/ready', '/docs-json', '/docs']) {
      expect((await broker.app.inject({ url })).statusCode).toBe(200);
    }
  });

  it('answers a request without a key with 401 and a Bearer challenge', async () => {
    const response = await listWith();
    expect(problemStatus(response)).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="sipgate-token-broker"');
  });

  it.each([
    ['another scheme', () => `Basic ${basicCredentials}`, 'invalid_request'],
    ['the scheme alone', () => 'Bearer', 'invalid_request'],
    ['two tokens', () => `Bearer ${unknownKey} extra`, 'invalid_request'],
    ['an unknown key', () => `Bearer ${unknownKey}`, 'invalid_token'],
    ['a revoked key', () => `Bearer ${revokedKey}`, 'invalid_token'],
  ])('answers %s with 401 and never echoes the credential', async (_case, header, code) => {
    const authorization = header();
    const response = await listWith(authorization);
    expect(problemStatus(response)).toBe(401);
    expect(response.headers['www-authenticate']).toContain(`error="${code}"`);
    for (const secret of [unknownKey, revokedKey, basicCredentials])
      expect(response.body).not.toContain(secret);
  });

  it('answers a tokens:read key on admin routes with 403', async () => {
    const auth = { authorization: `Bearer ${readerKey}` };
    expect(problemStatus(await listWith(auth.authorization))).toBe(403);
    const create = await broker.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: auth,
      payload: { name: 'escalate', scopes: ['admin'] },
    });
    expect(problemStatus(create)).toBe(403);
    const revoke = await broker.app.inject({
      method: 'DELETE',
      url: `/v1/api-keys/${randomUUID()}`,
      headers: auth,
    });
    expect(problemStatus(revoke)).toBe(403);
  });

  it('lets the bootstrap admin key in, with any casing of the scheme', async () => {
    expect((await listWith(`Bearer ${broker.adminKey}`)).statusCode).toBe(200);
    expect((await listWith(`bearer ${broker.adminKey}`)).statusCode).toBe(200);
  });

  it('checks the key before the body: no key and a bad body is 401, not 400', async () => {
    const response = await broker.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      payload: { bogus: true },
    });
    expect(problemStatus(response)).toBe(401);
  });

  it('documents the bearer scheme on protected operations only', async () => {
    const { paths } = (await broker.app.inject({ url: '/docs-json' })).json();
    expect(paths['/v1/api-keys'].post.security).toEqual([{ 'api-key': [] }]);
    expect(paths['/v1/api-keys'].post.responses).toHaveProperty('401');
    expect(paths['/v1/api-keys'].post.responses).toHaveProperty('403');
    expect(paths['/v1/api-keys/{id}'].delete.security).toEqual([{ 'api-key': [] }]);
    expect(paths['/health/ready'].get.security).toBeUndefined();
  });
});

describe('authorization of a key limited to connections', () => {
  const connectionA = randomUUID();
  const connectionB = randomUUID();
  let broker: TestBroker;
  let app: NestFastifyApplication;
  let limited: { id: string; key: string };
  let unlimited: { id: string; key: string };

  const token = (connectionId: string, key: string) =>
    app.inject({ url: `/v1/connections/${connectionId}/token`, headers: { authorization: `Bearer ${key}` } });
  const createKey = async (body: object) =>
    (
      await broker.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: { authorization: `Bearer ${broker.adminKey}` },
        payload: body,
      })
    ).json<{ id: string; key: string }>();

  beforeAll(async () => {
    broker = await startTestBroker();
    app = await startAuthApp(broker);
    limited = await createKey({ name: 'reader of A', scopes: ['tokens:read'], connectionIds: [connectionA] });
    unlimited = await createKey({ name: 'reader', scopes: ['tokens:read'] });
  });
  afterAll(async () => {
    await app.close();
    await broker.close();
  });

  it('lets a key limited to connection A read A, and hands the route its principal', async () => {
    const response = await token(connectionA, limited.key);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ connectionId: connectionA, keyId: limited.id });
    expect((await token(connectionA.toUpperCase(), limited.key)).statusCode).toBe(200);
  });

  it('answers a key limited to connection A on connection B with 403', async () => {
    const response = await token(connectionB, limited.key);
    expect(response.statusCode).toBe(403);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json().detail).toBe('This API key is not allowed to use this connection.');
  });

  it('lets an unlimited tokens:read key and the admin key read any connection', async () => {
    expect((await token(connectionB, unlimited.key)).statusCode).toBe(200);
    expect((await token(connectionB, broker.adminKey)).statusCode).toBe(200);
  });
});
