import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connectOAuth, readToken, storedRefreshToken, type ConnectionJson } from '../support/connect-flow.js';
import { dumpDatabase, secretForms } from '../support/database-dump.js';
import { startSandboxedBroker, TEST_CLIENT, type SandboxedBroker } from '../support/sandboxed-broker.js';

type Page = { items: ConnectionJson[]; nextCursor: string | null };

describe('managing connections', () => {
  let broker: SandboxedBroker;
  beforeAll(async () => {
    broker = await startSandboxedBroker();
  });
  afterAll(() => broker.close());

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
    broker.app.inject({
      method,
      url,
      headers: broker.admin,
      ...(payload !== undefined && { payload: payload as object }),
    });

  it('connects a PAT after sipgate verified it, and serves it as a Basic header', async () => {
    const pat = broker.sandbox.pats()[0]!;
    const created = await call('POST', '/v1/connections/pat', {
      tokenId: pat.tokenId,
      token: pat.token,
      label: 'PAT',
    });
    expect(created.statusCode).toBe(201);
    const connection = created.json<ConnectionJson>();
    expect(connection).toMatchObject({
      type: 'pat',
      status: 'active',
      sipgateUserId: pat.sub,
      sipgateAccountId: pat.masterSipId,
    });
    expect(JSON.stringify(connection)).not.toContain(pat.token);

    const token = await readToken(broker, connection.id);
    expect(token.json()).toMatchObject({ tokenType: 'Basic', expiresAt: null, expiresIn: null });
    const header = token.json<{ authorizationHeader: string }>().authorizationHeader;
    expect(header).toBe(`Basic ${Buffer.from(`${pat.tokenId}:${pat.token}`).toString('base64')}`);
    const accepted = await fetch(`${broker.sandbox.url}/v2/authorization/userinfo`, {
      headers: { authorization: header },
    });
    expect(accepted.status).toBe(200);
  });

  it('lists with filters and cursor paging, reads and relabels', async () => {
    const a = await connectOAuth(broker, { sub: 'w0', masterSipId: '2556404' });
    const b = await connectOAuth(broker, { sub: 'w1' });
    const pages: Page[] = [];
    let cursor: string | null = null;
    do {
      const response = await call('GET', `/v1/connections?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(response.statusCode).toBe(200);
      pages.push(response.json<Page>());
      cursor = pages.at(-1)!.nextCursor;
    } while (cursor);
    const ids = pages.flatMap((p) => p.items.map((c) => c.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining([a.id, b.id]));

    const onlyW1 = (await call('GET', '/v1/connections?sipgateUserId=w1&status=active')).json<Page>();
    expect(onlyW1.items.every((c) => c.sipgateUserId === 'w1')).toBe(true);
    expect(onlyW1.items.map((c) => c.id)).toContain(b.id);

    const relabelled = await call('PATCH', `/v1/connections/${a.id}`, { label: 'Sales' });
    expect(relabelled.json()).toMatchObject({ id: a.id, label: 'Sales' });
    expect((await call('GET', `/v1/connections/${a.id}`)).json()).toMatchObject({ label: 'Sales' });
  });

  it('stores no secret in any readable form', async () => {
    const oauth = await connectOAuth(broker, { sub: 'w0', masterSipId: '3141592' });
    const accessToken = (await readToken(broker, oauth.id)).json<{ accessToken: string }>().accessToken;
    const refreshToken = await storedRefreshToken(broker, oauth.id);
    const pat = broker.sandbox.pats()[0]!;
    await call('POST', '/v1/connections/pat', { tokenId: pat.tokenId, token: pat.token });
    await call('POST', '/v1/connections/oauth', {}); // a pending login attempt with its PKCE verifier

    const dump = await dumpDatabase(broker.database.url);
    expect(dump).toContain(oauth.id);
    for (const secret of [
      accessToken,
      refreshToken,
      pat.token,
      `${pat.tokenId}:${pat.token}`,
      TEST_CLIENT.clientSecret,
      broker.adminKey,
    ]) {
      for (const form of secretForms(secret)) expect(dump).not.toContain(form);
    }
  });

  describe('bad input gets a 4xx problem and changes nothing', () => {
    const pat = () => broker.sandbox.pats()[0]!;
    const cases: [
      string,
      'GET' | 'POST' | 'PATCH' | 'DELETE',
      () => string,
      () => unknown,
      number,
      RegExp,
    ][] = [
      [
        'PAT with a malformed tokenId',
        'POST',
        () => '/v1/connections/pat',
        () => ({ tokenId: 'token-1', token: pat().token }),
        400,
        /tokenId/,
      ],
      [
        'PAT with a token that is no UUID',
        'POST',
        () => '/v1/connections/pat',
        () => ({ tokenId: pat().tokenId, token: 'x' }),
        400,
        /token/,
      ],
      [
        'PAT with an unknown field',
        'POST',
        () => '/v1/connections/pat',
        () => ({ ...pat(), sub: 'w9' }),
        400,
        /sub/,
      ],
      [
        'PAT that sipgate rejects',
        'POST',
        () => '/v1/connections/pat',
        () => ({ tokenId: 'token-ZZZZZZ', token: '2f1c5b0e-7d7a-4b8e-9a55-0c1e2f3a4b5c' }),
        422,
        /token-ZZZZZZ/,
      ],
      [
        'OAuth start with a bad scope',
        'POST',
        () => '/v1/connections/oauth',
        () => ({ scopes: ['all', 'no spaces'] }),
        400,
        /scope/,
      ],
      [
        'OAuth start with an overlong label',
        'POST',
        () => '/v1/connections/oauth',
        () => ({ label: 'x'.repeat(201) }),
        400,
        /label/,
      ],
      [
        'relabel of an unknown connection',
        'PATCH',
        () => '/v1/connections/7b0d5a5e-0000-4000-8000-000000000000',
        () => ({ label: 'x' }),
        404,
        /7b0d5a5e/,
      ],
      [
        'relabel with a number',
        'PATCH',
        () => '/v1/connections/7b0d5a5e-0000-4000-8000-000000000000',
        () => ({ label: 5 }),
        400,
        /label/,
      ],
      [
        'delete with a malformed id',
        'DELETE',
        () => '/v1/connections/123',
        () => undefined,
        400,
        /id must be a UUID/,
      ],
      [
        'list with a forged cursor',
        'GET',
        () => '/v1/connections?cursor=abc',
        () => undefined,
        400,
        /cursor/,
      ],
      [
        'list with a limit out of range',
        'GET',
        () => '/v1/connections?limit=0',
        () => undefined,
        400,
        /limit/,
      ],
      [
        'list with an unknown status',
        'GET',
        () => '/v1/connections?status=paused',
        () => undefined,
        400,
        /status/,
      ],
      [
        'refresh of a PAT connection',
        'POST',
        () => `/v1/connections/${patId}/refresh`,
        () => undefined,
        409,
        /Personal Access Token/,
      ],
    ];
    let patId = '';
    beforeAll(async () => {
      patId = (
        await call('POST', '/v1/connections/pat', { tokenId: pat().tokenId, token: pat().token })
      ).json<ConnectionJson>().id;
    });

    it.each(cases)('%s', async (_name, method, url, payload, status, detail) => {
      const before = await dumpDatabase(broker.database.url);
      const response = await call(method, url(), payload());
      expect(response.statusCode).toBe(status);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json()).toMatchObject({ status, type: expect.any(String), title: expect.any(String) });
      expect(response.json<{ detail: string }>().detail).toMatch(detail);
      expect(await dumpDatabase(broker.database.url)).toBe(before);
    });

    it('rejects malformed JSON and oversized bodies with problems', async () => {
      const before = await dumpDatabase(broker.database.url);
      const malformed = await broker.app.inject({
        method: 'POST',
        url: '/v1/connections/pat',
        headers: { ...broker.admin, 'content-type': 'application/json' },
        payload: '{"tokenId":',
      });
      expect(malformed.statusCode).toBe(400);
      expect(malformed.headers['content-type']).toMatch(/^application\/problem\+json/);
      const huge = await broker.app.inject({
        method: 'POST',
        url: '/v1/connections/pat',
        headers: { ...broker.admin, 'content-type': 'application/json' },
        payload: JSON.stringify({ label: 'x'.repeat(100_000) }),
      });
      expect(huge.statusCode).toBe(413);
      expect(huge.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(await dumpDatabase(broker.database.url)).toBe(before);
    });
  });
});
