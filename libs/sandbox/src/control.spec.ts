import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';

import { TEST_CLIENT, basicAuth, connect, getJson, postForm, refresh, userinfo } from './spec-helpers.js';
import { startSandbox } from './start-sandbox.js';
import type { Sandbox } from './types.js';

describe('sandbox session control', () => {
  let sandbox: Sandbox;
  const logoutUrl = () => `${sandbox.issuerFor()}/protocol/openid-connect/logout`;
  const revokeUrl = () => `${sandbox.issuerFor()}/protocol/openid-connect/revoke`;
  const credentials = { client_id: TEST_CLIENT.clientId, client_secret: TEST_CLIENT.clientSecret };

  beforeAll(async () => {
    sandbox = await startSandbox({ clients: [TEST_CLIENT] });
  });
  afterAll(() => sandbox.close());
  beforeEach(() => sandbox.setTokenEndpointFault(null));

  it('ends the session on logout: refresh fails and the access token stops working', async () => {
    const tokens = await connect(sandbox);

    const result = await postForm(logoutUrl(), { ...credentials, refresh_token: tokens.refresh_token });

    expect(result.status).toBe(204);
    expect((await refresh(sandbox, tokens.refresh_token)).body.error).toBe('invalid_grant');
    expect((await userinfo(sandbox, `Bearer ${tokens.access_token}`)).status).toBe(401);
    expect(sandbox.stats().logouts).toBe(1);
  });

  it('refuses a logout with wrong client credentials or an unknown refresh token', async () => {
    const tokens = await connect(sandbox);

    const wrongSecret = await postForm(logoutUrl(), {
      ...credentials,
      client_secret: 'nope',
      refresh_token: tokens.refresh_token,
    });
    const unknownToken = await postForm(logoutUrl(), { ...credentials, refresh_token: 'unknown' });

    expect(wrongSecret.status).toBe(401);
    expect(unknownToken).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect((await refresh(sandbox, tokens.refresh_token)).status).toBe(200);
  });

  it('ends the grant when the refresh token is revoked (RFC 7009)', async () => {
    const tokens = await connect(sandbox);

    const result = await postForm(revokeUrl(), {
      ...credentials,
      token: tokens.refresh_token,
      token_type_hint: 'refresh_token',
    });

    expect(result.status).toBe(200);
    expect((await refresh(sandbox, tokens.refresh_token)).body.error).toBe('invalid_grant');
  });

  it('revokes the grants of one user only', async () => {
    const admin = await connect(sandbox, { sub: 'w0', masterSipId: '2556404' });
    const colleague = await connect(sandbox, { sub: 'w1' });
    const otherAccountAdmin = await connect(sandbox, { sub: 'w0', masterSipId: '3141592' });

    expect(sandbox.revokeGrantsOf('w0', '2556404')).toBeGreaterThanOrEqual(1);

    expect((await refresh(sandbox, admin.refresh_token)).body.error).toBe('invalid_grant');
    expect((await refresh(sandbox, colleague.refresh_token)).status).toBe(200);
    expect((await refresh(sandbox, otherAccountAdmin.refresh_token)).status).toBe(200);
  });

  it('answers the token endpoint with an injected status, for the given number of requests', async () => {
    const tokens = await connect(sandbox);
    sandbox.setTokenEndpointFault({ status: 503, times: 1 });

    const failed = await refresh(sandbox, tokens.refresh_token);
    const recovered = await refresh(sandbox, tokens.refresh_token);

    expect(failed).toMatchObject({ status: 503, body: { error: 'temporarily_unavailable' } });
    // The faulted request never reached the grant, so the refresh token is still unused.
    expect(recovered.status).toBe(200);
  });

  it('delays the token endpoint, then answers normally or with the injected status', async () => {
    const tokens = await connect(sandbox);
    sandbox.setTokenEndpointFault({ delayMs: 300, times: 1 });

    let started = Date.now();
    const slow = await refresh(sandbox, tokens.refresh_token);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(slow.status).toBe(200);

    sandbox.setTokenEndpointFault({ delayMs: 200, status: 504 });
    started = Date.now();
    expect((await refresh(sandbox, slow.body.refresh_token)).status).toBe(504);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect((await refresh(sandbox, slow.body.refresh_token)).status).toBe(504);
  });

  it('rejects faults that make no sense', () => {
    expect(() => sandbox.setTokenEndpointFault({ status: 42 })).toThrow(/status/);
    expect(() => sandbox.setTokenEndpointFault({})).toThrow(/status, a delayMs/);
  });
});

describe('sandbox control over HTTP', () => {
  let sandbox: Sandbox;
  const control = (path: string, method = 'GET', body?: unknown) =>
    fetch(`${sandbox.url}/_sandbox${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  beforeAll(async () => {
    sandbox = await startSandbox({ clients: [TEST_CLIENT] });
  });
  afterAll(() => sandbox.close());

  it('describes the sandbox', async () => {
    const { status, body } = await getJson(`${sandbox.url}/_sandbox`);

    expect(status).toBe(200);
    expect(body).toMatchObject({
      url: sandbox.url,
      realms: [
        { realm: 'third-party', issuer: sandbox.issuerFor('third-party') },
        { realm: 'sipgate-apps', issuer: sandbox.issuerFor('sipgate-apps') },
      ],
      clients: [{ clientId: TEST_CLIENT.clientId }],
    });
    expect(JSON.stringify(body)).not.toContain(TEST_CLIENT.clientSecret);
  });

  it('reads and resets stats', async () => {
    await connect(sandbox);
    expect(await (await control('/stats')).json()).toMatchObject({ codesIssued: 1, tokenExchanges: 1 });

    expect((await control('/stats/reset', 'POST')).status).toBe(204);
    expect(await (await control('/stats')).json()).toMatchObject({ codesIssued: 0, tokenExchanges: 0 });
  });

  it('sets and clears a token endpoint fault', async () => {
    const tokens = await connect(sandbox);

    expect((await control('/token-fault', 'PUT', { status: 500 })).status).toBe(204);
    expect((await refresh(sandbox, tokens.refresh_token)).status).toBe(500);
    expect((await control('/token-fault', 'DELETE')).status).toBe(204);
    expect((await refresh(sandbox, tokens.refresh_token)).status).toBe(200);
    expect(sandbox.stats().faultsInjected).toBe(1);
  });

  it('refuses an invalid fault with 400', async () => {
    const response = await control('/token-fault', 'PUT', { delayMs: -1 });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('revokes a user’s grants', async () => {
    const tokens = await connect(sandbox, { sub: 'w1' });

    const response = await control('/revoke-grants', 'POST', { sub: 'w1' });

    expect(await response.json()).toEqual({ revoked: 1 });
    expect((await refresh(sandbox, tokens.refresh_token)).body.error).toBe('invalid_grant');
  });

  it('adds, lists and revokes PATs', async () => {
    const created = await control('/pats', 'POST', { sub: 'w1', tokenId: 'token-TEST42' });
    const pat = (await created.json()) as { tokenId: string; token: string };
    expect(created.status).toBe(201);
    expect(pat.tokenId).toBe('token-TEST42');
    expect((await userinfo(sandbox, basicAuth(pat.tokenId, pat.token))).status).toBe(200);
    expect(await (await control('/pats')).json()).toContainEqual(
      expect.objectContaining({ tokenId: 'token-TEST42' }),
    );

    expect((await control('/pats/token-TEST42', 'DELETE')).status).toBe(204);
    expect((await control('/pats/token-TEST42', 'DELETE')).status).toBe(404);
    expect((await userinfo(sandbox, basicAuth(pat.tokenId, pat.token))).status).toBe(401);
  });

  it('refuses a PAT for an ambiguous or unknown user', async () => {
    expect((await control('/pats', 'POST', { sub: 'w0' })).status).toBe(400);
    expect((await control('/pats', 'POST', { sub: 'w9' })).status).toBe(400);
  });
});

describe('sandbox shutdown', () => {
  it('closes promptly even while a delayed token request hangs', async () => {
    const sandbox = await startSandbox({ clients: [TEST_CLIENT] });
    sandbox.setTokenEndpointFault({ delayMs: 60_000 });
    const hanging = refresh(sandbox, 'anything').catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));

    const started = Date.now();
    await sandbox.close();

    expect(Date.now() - started).toBeLessThan(1000);
    // fetch's TypeError comes from another realm than jest's, so compare by message.
    expect(String(await hanging)).toMatch(/fetch failed/);
  });
});
