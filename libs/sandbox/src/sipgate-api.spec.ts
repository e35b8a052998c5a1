import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sipgateIO } from 'sipgateio';

import { TEST_CLIENT, basicAuth, connect, getJson, userinfo, type TokenSet } from './spec-helpers.js';
import { startSandbox } from './start-sandbox.js';
import type { Sandbox } from './types.js';

describe('sandbox sipgate REST stand-ins', () => {
  let sandbox: Sandbox;
  let tokens: TokenSet;

  beforeAll(async () => {
    sandbox = await startSandbox({ clients: [TEST_CLIENT] });
    tokens = await connect(sandbox, { sub: 'w0' });
  });
  afterAll(() => sandbox.close());

  it('answers userinfo for an access token', async () => {
    expect(await userinfo(sandbox, `Bearer ${tokens.access_token}`)).toEqual({
      status: 200,
      body: { sub: 'w0', domain: 'sipgate.de', masterSipId: '2556404', locale: 'de_DE' },
    });
  });

  it('answers the account endpoint', async () => {
    expect(await getJson(`${sandbox.url}/v2/account`, `Bearer ${tokens.access_token}`)).toEqual({
      status: 200,
      body: { company: 'Sandbox Telefonie GmbH', mainProductType: 'TEAM', logoUrl: '', verified: true },
    });
  });

  it('checks scopes per endpoint', async () => {
    const narrow = await connect(sandbox, { scope: 'balance:read' });

    expect((await userinfo(sandbox, `Bearer ${narrow.access_token}`)).status).toBe(200);
    expect((await getJson(`${sandbox.url}/v2/account`, `Bearer ${narrow.access_token}`)).status).toBe(403);
  });

  it('accepts the demo PATs with Basic authentication', async () => {
    const pat = sandbox.pats().find((p) => p.sub === 'w1')!;

    const { status, body } = await userinfo(sandbox, basicAuth(pat.tokenId, pat.token));
    expect(status).toBe(200);
    expect(body).toMatchObject({ sub: 'w1', masterSipId: '2556404' });
  });

  it('accepts added PATs until they are revoked', async () => {
    const pat = sandbox.addPat({ sub: 'w0', masterSipId: '3141592' });
    expect(pat.tokenId).toMatch(/^token-[A-Z0-9]{6}$/);
    expect((await userinfo(sandbox, basicAuth(pat.tokenId, pat.token))).body).toMatchObject({
      masterSipId: '3141592',
    });

    expect(sandbox.revokePat(pat.tokenId)).toBe(true);
    expect((await userinfo(sandbox, basicAuth(pat.tokenId, pat.token))).status).toBe(401);
  });

  it.each([
    ['no credentials', undefined],
    ['a malformed bearer token', 'Bearer not-a-jwt'],
    ['a bearer token with a forged signature', 'FORGED'],
    ['a PAT with the wrong secret', basicAuth('token-DEMO01', '00000000-0000-4000-8000-000000000000')],
    ['an unknown scheme', 'Digest abc'],
  ])('rejects %s with 401 JSON', async (_label, authorization) => {
    const header =
      authorization === 'FORGED' ? `Bearer ${tokens.access_token.slice(0, -6)}AAAAAA` : authorization;

    const { status, body } = await userinfo(sandbox, header);
    expect(status).toBe(401);
    expect(body).toMatchObject({ status: 401 });
  });

  it('rejects tokens signed by another sandbox', async () => {
    const other = await startSandbox({ clients: [TEST_CLIENT] });
    try {
      const foreign = await connect(other);
      expect((await userinfo(sandbox, `Bearer ${foreign.access_token}`)).status).toBe(401);
    } finally {
      await other.close();
    }
  });

  describe('with the sipgateio SDK', () => {
    it('accepts sandbox access tokens and PATs', () => {
      const pat = sandbox.pats()[0]!;

      expect(() => sipgateIO({ token: tokens.access_token })).not.toThrow();
      expect(() => sipgateIO({ tokenId: pat.tokenId, token: pat.token })).not.toThrow();
    });

    it('calls the sandbox when given its base URL per request', async () => {
      const client = sipgateIO({ token: tokens.access_token });

      const info = await client.get<{ sub: string }>('authorization/userinfo', {
        baseURL: `${sandbox.url}/v2`,
      });
      expect(info.sub).toBe('w0');
    });

    it('calls the sandbox for SDK helpers when the sandbox is its HTTPS proxy', async () => {
      const pat = sandbox.pats().find((p) => p.sub === 'w1')!;
      const client = sipgateIO({ tokenId: pat.tokenId, token: pat.token });
      // The SDK's bundled axios 0.27 sends https://api.sipgate.com/... to an http:// proxy as a
      // plain request with the absolute URL, which the sandbox serves.
      process.env.HTTPS_PROXY = sandbox.url;
      try {
        expect(await client.getAuthenticatedWebuserId()).toBe('w1');
      } finally {
        delete process.env.HTTPS_PROXY;
      }
    });
  });
});
