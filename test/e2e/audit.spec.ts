import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connectOAuth } from '../support/connect-flow.js';
import { dumpDatabase, secretForms } from '../support/database-dump.js';
import { startSandboxedBroker, type SandboxedBroker } from '../support/sandboxed-broker.js';

type AuditEventJson = {
  id: string;
  occurredAt: string;
  actorKeyId: string;
  action: string;
  targetType: string | null;
  targetId: string | null;
  requestId: string;
  statusCode: number;
};
type Page = { items: AuditEventJson[]; nextCursor: string | null };

describe('the audit trail', () => {
  let broker: SandboxedBroker;
  beforeAll(async () => {
    broker = await startSandboxedBroker();
  });
  afterAll(() => broker.close());

  const call = (
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    payload?: object,
    headers: Record<string, string> = broker.admin,
  ) => broker.app.inject({ method, url, headers, ...(payload && { payload }) });
  const trail = async (query = '', headers = broker.admin) => {
    const response = await call('GET', `/v1/audit-events${query}`, undefined, headers);
    expect(response.statusCode).toBe(200);
    return response.json<Page>();
  };

  it('records who did what to which connection or key', async () => {
    // An admin key of its own, so two actors show up.
    const created = await call('POST', '/v1/api-keys', { name: 'ops', scopes: ['admin'] });
    expect(created.statusCode).toBe(201);
    const opsKey = created.json<{ id: string; key: string }>();
    const ops = { authorization: `Bearer ${opsKey.key}` };

    const pat = broker.sandbox.pats()[0]!;
    const patCreated = await call(
      'POST',
      '/v1/connections/pat',
      { tokenId: pat.tokenId, token: pat.token },
      ops,
    );
    expect(patCreated.statusCode).toBe(201);
    const patId = patCreated.json<{ id: string }>().id;
    const relabel = await call('PATCH', `/v1/connections/${patId}`, { label: 'Front desk' }, ops);
    expect(relabel.statusCode).toBe(200);
    expect((await call('POST', '/v1/connections/oauth', {})).statusCode).toBe(201);
    const oauth = await connectOAuth(broker, { sub: 'w1' });
    expect((await call('POST', `/v1/connections/${oauth.id}/refresh`)).statusCode).toBe(200);
    expect((await call('DELETE', `/v1/connections/${patId}`, undefined, ops)).statusCode).toBe(204);
    expect((await call('DELETE', `/v1/api-keys/${opsKey.id}`)).statusCode).toBe(204);

    const page = await trail('?limit=200');
    const summary = page.items.map(({ actorKeyId, action, targetType, targetId, statusCode }) => ({
      actorKeyId,
      action,
      targetType,
      targetId,
      statusCode,
    }));
    // Newest first; connectOAuth starts a login of its own, the callback is the browser's and not audited.
    expect(summary).toEqual([
      {
        actorKeyId: 'bootstrap',
        action: 'api_key.revoke',
        targetType: 'api_key',
        targetId: opsKey.id,
        statusCode: 204,
      },
      {
        actorKeyId: opsKey.id,
        action: 'connection.delete',
        targetType: 'connection',
        targetId: patId,
        statusCode: 204,
      },
      {
        actorKeyId: 'bootstrap',
        action: 'connection.refresh',
        targetType: 'connection',
        targetId: oauth.id,
        statusCode: 200,
      },
      {
        actorKeyId: 'bootstrap',
        action: 'connection.create_oauth',
        targetType: 'connection',
        targetId: null,
        statusCode: 201,
      },
      {
        actorKeyId: 'bootstrap',
        action: 'connection.create_oauth',
        targetType: 'connection',
        targetId: null,
        statusCode: 201,
      },
      {
        actorKeyId: opsKey.id,
        action: 'connection.relabel',
        targetType: 'connection',
        targetId: patId,
        statusCode: 200,
      },
      {
        actorKeyId: opsKey.id,
        action: 'connection.create_pat',
        targetType: 'connection',
        targetId: patId,
        statusCode: 201,
      },
      {
        actorKeyId: 'bootstrap',
        action: 'api_key.create',
        targetType: 'api_key',
        targetId: opsKey.id,
        statusCode: 201,
      },
    ]);
    expect(relabel.headers['x-request-id']).toBe(page.items[5]!.requestId);
    expect(Date.parse(page.items[0]!.occurredAt)).toBeGreaterThanOrEqual(
      Date.parse(page.items[7]!.occurredAt),
    );

    // Never a secret: not the PAT, not the new API key, not a request body.
    const dump = await dumpDatabase(broker.database.url);
    const auditRows = dump.slice(dump.indexOf('-- audit_events')).split('\n-- ')[0]!;
    for (const secret of [pat.token, opsKey.key, 'Front desk']) {
      for (const form of secretForms(secret)) expect(auditRows).not.toContain(form);
    }
  });

  it('records nothing for refused requests: bad input, unknown targets, 401 and 403', async () => {
    const reader = (await call('POST', '/v1/api-keys', { name: 'reader', scopes: ['tokens:read'] })).json<{
      key: string;
    }>();
    const connection = await connectOAuth(broker);
    const before = (await trail('?limit=200')).items.length;
    const refused = [
      await call('PATCH', `/v1/connections/${connection.id}`, { label: 42 }),
      await call('DELETE', `/v1/connections/${randomUUID()}`),
      await call('DELETE', '/v1/connections/not-a-uuid'),
      await call('DELETE', `/v1/connections/${connection.id}`, undefined, { authorization: 'Bearer nope' }),
      await call('DELETE', `/v1/connections/${connection.id}`, undefined, {
        authorization: `Bearer ${reader.key}`,
      }),
    ];
    expect(refused.map((r) => r.statusCode)).toEqual([400, 404, 400, 401, 403]);
    expect((await trail('?limit=200')).items.length).toBe(before);
  });

  it('pages newest first with a cursor and filters by target and action', async () => {
    const connection = await connectOAuth(broker, { sub: 'w0', masterSipId: '3141592' });
    for (const label of ['a', 'b', 'c']) {
      expect((await call('PATCH', `/v1/connections/${connection.id}`, { label })).statusCode).toBe(200);
    }
    const seen: AuditEventJson[] = [];
    let cursor: string | null = null;
    do {
      const page: Page = await trail(
        `?limit=2&targetId=${connection.id.toUpperCase()}${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.map((e) => e.action)).toEqual([
      'connection.relabel',
      'connection.relabel',
      'connection.relabel',
    ]);
    expect(new Set(seen.map((e) => e.id)).size).toBe(3);

    const creates = await trail('?action=api_key.create');
    expect(creates.items.length).toBeGreaterThanOrEqual(2);
    expect(creates.items.every((e) => e.action === 'api_key.create')).toBe(true);
  });

  it('is for admins only and rejects a cursor it did not hand out', async () => {
    const reader = (await call('POST', '/v1/api-keys', { name: 'reader-2', scopes: ['tokens:read'] })).json<{
      key: string;
    }>();
    expect(
      (await call('GET', '/v1/audit-events', undefined, { authorization: `Bearer ${reader.key}` }))
        .statusCode,
    ).toBe(403);
    expect((await call('GET', '/v1/audit-events', undefined, {})).statusCode).toBe(401);
    const bad = await call('GET', '/v1/audit-events?cursor=bm90LWEtY3Vyc29y');
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toMatch(/problem\+json/);
    expect((await call('GET', '/v1/audit-events?limit=0')).statusCode).toBe(400);
  });
});
