import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connectOAuth, type ConnectionJson } from '../support/connect-flow.js';
import { dumpDatabase } from '../support/database-dump.js';
import { startSandboxedBroker, type SandboxedBroker } from '../support/sandboxed-broker.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
type Schema = { type?: string; items?: Schema; properties?: Record<string, Schema>; $ref?: string };
type Operation = {
  parameters?: { name: string; in: 'path' | 'query'; schema: Schema }[];
  requestBody?: { content: { 'application/json'?: { schema: Schema } } };
};

/** Postgres cannot store U+0000 in text; an unpaired surrogate has no UTF-8 form and would come back as U+FFFD. */
const UNSTORABLE = { nul: 'a\u0000b', 'unpaired surrogate': 'a\ud800b' };
/** Control and invisible characters Postgres does store: they come back exactly as sent. */
const ODD_BUT_STORABLE = 'a\u0001\u0007\t\n\u001b\u007f\u00a0\u200b\u202e\u2028\ufeffb \u{1f600}';

describe('strings Postgres cannot store', () => {
  let broker: SandboxedBroker;
  let connection: ConnectionJson;
  beforeAll(async () => {
    broker = await startSandboxedBroker();
    connection = await connectOAuth(broker);
  });
  afterAll(() => broker.close());

  const call = (method: Method, url: string, payload?: unknown) =>
    broker.app.inject({
      method,
      url,
      // The OAuth callback answers browsers with HTML; problems are asked for as JSON.
      headers: { ...broker.admin, accept: 'application/json' },
      ...(payload !== undefined && { payload: payload as object }),
    });
  /** The answer, in a shape that says which request it was when an assertion fails. */
  const answer = async (method: Method, url: string, payload?: unknown) => {
    const response = await call(method, url, payload);
    const { errors = [] } = response.json<{ errors?: { field: string }[] }>();
    return {
      request: `${method} ${url}`,
      status: response.statusCode,
      contentType: response.headers['content-type'],
      fields: errors.map((error) => error.field),
    };
  };
  const refusal = (method: Method, url: string, field: string) => ({
    request: `${method} ${url}`,
    status: 400,
    contentType: expect.stringMatching(/^application\/problem\+json/),
    fields: expect.arrayContaining([field]),
  });
  const dump = () => dumpDatabase(broker.database.url);

  describe.each(Object.entries(UNSTORABLE))('with a %s', (_kind, bad) => {
    const pat = () => broker.sandbox.pats()[0]!;
    const cases: [string, Method, string, () => object][] = [
      ['label', 'PATCH', '/v1/connections/:id', () => ({ label: bad })],
      ['label', 'POST', '/v1/connections/oauth', () => ({ label: bad })],
      ['scopes', 'POST', '/v1/connections/oauth', () => ({ scopes: ['all', bad] })],
      [
        'label',
        'POST',
        '/v1/connections/pat',
        () => ({ tokenId: pat().tokenId, token: pat().token, label: bad }),
      ],
      ['tokenId', 'POST', '/v1/connections/pat', () => ({ tokenId: `token-${bad}`, token: pat().token })],
      [
        'token',
        'POST',
        '/v1/connections/pat',
        () => ({ tokenId: pat().tokenId, token: `${pat().token}${bad}` }),
      ],
      ['name', 'POST', '/v1/api-keys', () => ({ name: bad, scopes: ['tokens:read'] })],
      [
        'connectionIds',
        'POST',
        '/v1/api-keys',
        () => ({ name: 'n', scopes: ['tokens:read'], connectionIds: [bad] }),
      ],
    ];
    it.each(cases)(
      'refuses %s in %s %s with a 400 naming it, changing nothing',
      async (field, method, url, body) => {
        const target = url.replace(':id', connection.id);
        const before = await dump();
        expect(await answer(method, target, body())).toEqual(refusal(method, target, field));
        expect(await dump()).toBe(before);
      },
    );
  });

  it.each([
    ['/v1/connections', 'sipgateUserId'],
    ['/v1/connections', 'status'],
    ['/v1/connections', 'cursor'],
    ['/v1/audit-events', 'action'],
    ['/v1/audit-events', 'targetId'],
    ['/v1/audit-events', 'cursor'],
    ['/v1/oauth/callback?code=c', 'state'],
    ['/v1/oauth/callback?state=s', 'code'],
    ['/v1/oauth/callback?state=s', 'error'],
    ['/v1/oauth/callback?state=s', 'error_description'],
  ])('refuses a NUL byte in the query of %s (%s) with a 400 naming it', async (path, field) => {
    const url = `${path}${path.includes('?') ? '&' : '?'}${field}=a%00b`;
    const before = await dump();
    expect(await answer('GET', url)).toEqual(refusal('GET', url, field));
    expect(await dump()).toBe(before);
  });

  it('refuses them in every string parameter and body field the OpenAPI document declares', async () => {
    const document = (await call('GET', '/docs-json')).json<{
      paths: Record<string, Record<string, Operation>>;
      components: { schemas: Record<string, Schema> };
    }>();
    const resolve = (schema: Schema) =>
      schema.$ref ? document.components.schemas[schema.$ref.split('/').at(-1)!]! : schema;
    const isText = (schema: Schema) =>
      schema.type === 'string' || (schema.type === 'array' && resolve(schema.items ?? {}).type === 'string');
    const requests: { method: Method; url: string; body?: object; field: string }[] = [];
    for (const [template, operations] of Object.entries(document.paths)) {
      for (const [verb, operation] of Object.entries(operations)) {
        const method = verb.toUpperCase() as Method;
        const path = (value?: string) => template.replace(/\{\w+\}/g, () => value ?? randomUUID());
        const body = operation.requestBody ? {} : undefined;
        const nul = encodeURIComponent(UNSTORABLE.nul);
        for (const { name, in: where, schema } of operation.parameters ?? []) {
          if (!isText(schema)) continue;
          const url = where === 'path' ? path(nul) : `${path()}?${name}=${nul}`;
          requests.push({ method, url, body, field: name });
        }
        const bodySchema = operation.requestBody?.content['application/json']?.schema;
        const properties = bodySchema ? (resolve(bodySchema).properties ?? {}) : {};
        for (const [name, schema] of Object.entries(properties)) {
          if (!isText(schema)) continue;
          for (const bad of Object.values(UNSTORABLE)) {
            const value = schema.type === 'array' ? [bad] : bad;
            requests.push({ method, url: path(), body: { [name]: value }, field: name });
          }
        }
      }
    }
    expect(requests.length).toBeGreaterThan(20);
    const before = await dump();
    for (const { method, url, body, field } of requests) {
      expect(await answer(method, url, body)).toEqual(refusal(method, url, field));
    }
    expect(await dump()).toBe(before);
  });

  it('stores other control and invisible characters and returns them verbatim', async () => {
    const relabelled = await call('PATCH', `/v1/connections/${connection.id}`, { label: ODD_BUT_STORABLE });
    expect(relabelled.statusCode).toBe(200);
    expect(relabelled.json()).toMatchObject({ label: ODD_BUT_STORABLE });
    expect((await call('GET', `/v1/connections/${connection.id}`)).json()).toMatchObject({
      label: ODD_BUT_STORABLE,
    });

    const created = await call('POST', '/v1/api-keys', { name: ODD_BUT_STORABLE, scopes: ['tokens:read'] });
    expect(created.statusCode).toBe(201);
    const listed = (await call('GET', '/v1/api-keys')).json<{ items: { id: string; name: string }[] }>();
    expect(listed.items).toContainEqual(
      expect.objectContaining({ id: created.json<{ id: string }>().id, name: ODD_BUT_STORABLE }),
    );
  });
});
