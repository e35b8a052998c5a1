import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';

import { completeSandboxLogin } from './complete-sandbox-login.js';
import {
  TEST_CLIENT,
  authorizationUrl,
  connect,
  pkce,
  refresh,
  tokenRequest,
  userinfo,
  type TokenSet,
} from './spec-helpers.js';
import { startSandbox } from './start-sandbox.js';
import type { Sandbox } from './types.js';

describe('sandbox authorization-code flow', () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await startSandbox({
      clients: [TEST_CLIENT],
      accessTokenTtlSeconds: 120,
      refreshTokenTtlSeconds: 3600,
    });
  });
  afterAll(() => sandbox.close());

  it('issues a Keycloak-shaped token response honouring the configured lifetimes', async () => {
    const tokens = await connect(sandbox, { scope: 'all balance:read' });

    expect(tokens).toEqual({
      access_token: expect.any(String),
      refresh_token: expect.any(String),
      token_type: 'Bearer',
      scope: 'all balance:read',
      expires_in: 120,
      refresh_expires_in: 3600,
    });
  });

  it('returns the state and a code to the registered redirect_uri', async () => {
    const callback = await completeSandboxLogin(
      authorizationUrl(sandbox, { state: 'opaque-state', challenge: pkce().challenge }),
    );

    expect(`${callback.origin}${callback.pathname}`).toBe(TEST_CLIENT.redirectUris[0]);
    expect(callback.searchParams.get('state')).toBe('opaque-state');
    expect(callback.searchParams.get('code')).toEqual(expect.any(String));
  });

  it('signs access tokens as RS256 JWTs with Keycloak claims, verifiable with the realm certs', async () => {
    const tokens = await connect(sandbox, { sub: 'w1' });
    const issuer = sandbox.issuerFor('third-party');
    const jwks = createRemoteJWKSet(new URL(`${issuer}/protocol/openid-connect/certs`));

    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, jwks, { issuer });

    expect(protectedHeader.alg).toBe('RS256');
    expect(payload).toMatchObject({
      iss: issuer,
      sub: 'w1@2556404',
      azp: TEST_CLIENT.clientId,
      client_id: TEST_CLIENT.clientId,
      scope: 'all',
      realm_access: { roles: ['all'] },
    });
    expect(payload.exp! - payload.iat!).toBe(120);
  });

  it('serves each realm with its own issuer', async () => {
    const tokens = await connect(sandbox, { realm: 'sipgate-apps' });

    expect(decodeJwt(tokens.access_token).iss).toBe(sandbox.issuerFor('sipgate-apps'));
    expect((await userinfo(sandbox, `Bearer ${tokens.access_token}`)).status).toBe(200);
    const discovery = await fetch(`${sandbox.issuerFor('sipgate-apps')}/.well-known/openid-configuration`);
    expect(await discovery.json()).toMatchObject({
      issuer: sandbox.issuerFor('sipgate-apps'),
      token_endpoint: `${sandbox.issuerFor('sipgate-apps')}/protocol/openid-connect/token`,
    });
  });

  it('tells apart users that share a sub in different accounts', async () => {
    const tokens = await connect(sandbox, { sub: 'w0', masterSipId: '3141592' });

    const { body } = await userinfo(sandbox, `Bearer ${tokens.access_token}`);
    expect(body).toEqual({ sub: 'w0', masterSipId: '3141592', domain: 'sipgate.de', locale: 'en_GB' });
  });

  it('rotates refresh tokens and treats a second use of an old one as reuse', async () => {
    const first = await connect(sandbox);
    const before = sandbox.stats();

    const rotated = await refresh(sandbox, first.refresh_token);
    expect(rotated.status).toBe(200);
    expect(rotated.body.refresh_token).not.toBe(first.refresh_token);
    expect(rotated.body.refresh_expires_in).toBe(3600);
    expect(rotated.body.expires_in).toBe(120);

    const reused = await refresh(sandbox, first.refresh_token);
    expect(reused).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: expect.stringContaining('already used') },
    });
    // Like Keycloak's reuse detection: the whole grant is gone, including the newest token.
    expect((await refresh(sandbox, rotated.body.refresh_token)).body.error).toBe('invalid_grant');
    expect((await userinfo(sandbox, `Bearer ${rotated.body.access_token}`)).status).toBe(401);

    const after = sandbox.stats();
    expect(after.refreshesSucceeded - before.refreshesSucceeded).toBe(1);
    expect(after.refreshTokenReuses - before.refreshTokenReuses).toBe(1);
    expect(after.refreshFailures - before.refreshFailures).toBe(2);
  });

  it('counts codes, exchanges and token endpoint requests', async () => {
    sandbox.resetStats();
    await connect(sandbox);

    expect(sandbox.stats()).toMatchObject({ codesIssued: 1, tokenExchanges: 1, tokenEndpointRequests: 1 });
  });

  it('sends the user back with access_denied when they cancel', async () => {
    const callback = await completeSandboxLogin(
      authorizationUrl(sandbox, { state: 's-deny', challenge: pkce().challenge }),
      { deny: true },
    );

    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('state')).toBe('s-deny');
    expect(callback.searchParams.has('code')).toBe(false);
  });

  it('requires PKCE on the authorization request', async () => {
    const callback = await completeSandboxLogin(authorizationUrl(sandbox, { state: 's-nopkce' }));

    expect(callback.searchParams.get('error')).toBe('invalid_request');
    expect(callback.searchParams.get('state')).toBe('s-nopkce');
  });

  it('rejects a code exchange with the wrong code_verifier', async () => {
    const callback = await completeSandboxLogin(authorizationUrl(sandbox, { challenge: pkce().challenge }));

    const result = await tokenRequest(sandbox, {
      grant_type: 'authorization_code',
      code: callback.searchParams.get('code')!,
      redirect_uri: TEST_CLIENT.redirectUris[0]!,
      code_verifier: pkce().verifier,
    });
    expect(result).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('rejects a wrong client secret', async () => {
    const tokens: TokenSet = await connect(sandbox);

    const result = await tokenRequest(sandbox, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
      client_secret: 'not-the-secret',
    });
    expect(result).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
  });

  it('shows a login page that names the sandbox and every demo user', async () => {
    const first = await fetch(authorizationUrl(sandbox, { challenge: pkce().challenge }), {
      redirect: 'manual',
    });
    const loginPage = new URL(first.headers.get('location')!, sandbox.url);
    const cookie = first.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');

    const page = await fetch(loginPage, { headers: { cookie } });
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('sipgate sandbox');
    expect(html).toContain('Demo Admin');
    expect(html).toContain('Other Account Admin');
    expect(html).toContain('Cancel');
  });
});

describe('sandbox token lifetimes', () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await startSandbox({
      clients: [TEST_CLIENT],
      accessTokenTtlSeconds: 1,
      refreshTokenTtlSeconds: 1,
    });
  });
  afterAll(() => sandbox.close());

  it('lets access and refresh tokens expire', async () => {
    const tokens = await connect(sandbox);
    expect(tokens).toMatchObject({ expires_in: 1, refresh_expires_in: 1 });

    await new Promise((resolve) => setTimeout(resolve, 2100));

    expect((await userinfo(sandbox, `Bearer ${tokens.access_token}`)).status).toBe(401);
    expect((await refresh(sandbox, tokens.refresh_token)).body.error).toBe('invalid_grant');
  });
});
