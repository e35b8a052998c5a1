import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sipgateIO } from 'sipgateio';
import { completeSandboxLogin } from '#libs/sandbox';
import { connectOAuth, loginAtSandbox, readToken, type ConnectionJson } from '../support/connect-flow.js';
import { startSandboxedBroker, type SandboxedBroker } from '../support/sandboxed-broker.js';
import { sql } from '../support/sql.js';
import { waitFor } from '../support/wait-for.js';

const countRows = async (url: string, table: string) =>
  (await sql<{ n: number }>(url, `SELECT count(*)::int AS n FROM ${table}`))[0]?.n;

describe('connecting a sipgate account with OAuth2 (against the sandbox)', () => {
  let broker: SandboxedBroker;
  beforeAll(async () => {
    broker = await startSandboxedBroker();
  });
  afterAll(() => broker.close());

  it('goes from start to a token sipgate accepts over real HTTP, also through the sipgateio SDK', async () => {
    await broker.app.listen({ port: 0, host: '127.0.0.1' });
    const base = await broker.app.getUrl();
    const started = await fetch(`${base}/v1/connections/oauth`, {
      method: 'POST',
      headers: { ...broker.admin, 'content-type': 'application/json' },
      body: JSON.stringify({ label: 'Support' }),
    });
    expect(started.status).toBe(201);
    const { authorizationUrl } = (await started.json()) as { authorizationUrl: string };
    const url = new URL(authorizationUrl);
    expect(url.pathname).toBe('/auth/realms/third-party/protocol/openid-connect/auth');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('redirect_uri')).toBe('http://broker.test/v1/oauth/callback');
    expect(url.searchParams.get('state')).toBeTruthy();

    // The sandbox's login page, as a browser would submit it; the redirect goes to the broker.
    const redirect = await completeSandboxLogin(authorizationUrl, { sub: 'w1' });
    const callback = await fetch(`${base}${redirect.pathname}${redirect.search}`, {
      headers: { accept: 'application/json' },
    });
    expect(callback.status).toBe(200);
    const connection = (await callback.json()) as ConnectionJson;
    expect(connection).toMatchObject({
      type: 'oauth',
      status: 'active',
      label: 'Support',
      sipgateUserId: 'w1',
      sipgateAccountId: '2556404',
    });

    const token = await fetch(`${base}/v1/connections/${connection.id}/token`, { headers: broker.admin });
    expect(token.status).toBe(200);
    expect(token.headers.get('cache-control')).toBe('no-store');
    const body = (await token.json()) as {
      accessToken: string;
      authorizationHeader: string;
      tokenType: string;
      expiresIn: number;
    };
    expect(body.tokenType).toBe('Bearer');
    expect(body.expiresIn).toBeGreaterThan(250);

    const userinfo = await fetch(`${broker.sandbox.url}/v2/authorization/userinfo`, {
      headers: { authorization: body.authorizationHeader },
    });
    expect(userinfo.status).toBe(200);
    expect(await userinfo.json()).toMatchObject({ sub: 'w1', masterSipId: '2556404' });

    // The official SDK refuses anything that is not a JWT; its base URL is fixed, so point one request at the sandbox.
    const client = sipgateIO({ token: body.accessToken });
    const viaSdk = await client.get<{ sub: string }>('authorization/userinfo', {
      baseURL: `${broker.sandbox.url}/v2`,
    });
    expect(viaSdk.sub).toBe('w1');
  });

  it('answers browsers with an HTML page', async () => {
    const callback = await loginAtSandbox(broker, { sub: 'w0', masterSipId: '2556404' });
    const page = await broker.app.inject({ url: callback, headers: { accept: 'text/html' } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('sipgate account connected');
  });

  it('keeps the id when the same sipgate user connects again', async () => {
    const first = await connectOAuth(broker, { sub: 'w0', masterSipId: '3141592', label: 'first' });
    const again = await connectOAuth(broker, { sub: 'w0', masterSipId: '3141592' });
    expect(again.id).toBe(first.id);
    expect(again.label).toBe('first');
  });

  it('refuses a state that was already used, and stores nothing more', async () => {
    const callback = await loginAtSandbox(broker, { sub: 'w1' });
    expect(
      (await broker.app.inject({ url: callback, headers: { accept: 'application/json' } })).statusCode,
    ).toBe(200);
    const before = await countRows(broker.database.url, 'connections');
    const replay = await broker.app.inject({ url: callback, headers: { accept: 'application/json' } });
    expect(replay.statusCode).toBe(400);
    expect(replay.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(replay.json()).toMatchObject({ status: 400, title: 'Unknown, used or expired login attempt' });
    expect(await countRows(broker.database.url, 'connections')).toBe(before);
  });

  it('refuses a forged state and an expired one; browsers get an HTML error page', async () => {
    const forged = await broker.app.inject({
      url: '/v1/oauth/callback?state=forged&code=abc',
      headers: { accept: 'text/html' },
    });
    expect(forged.statusCode).toBe(400);
    expect(forged.body).toContain('Nothing was stored');

    const callback = await loginAtSandbox(broker, { sub: 'w1' });
    await sql(broker.database.url, `UPDATE oauth_attempts SET expires_at = now() - interval '1 second'`);
    const before = await countRows(broker.database.url, 'connections');
    const expired = await broker.app.inject({ url: callback, headers: { accept: 'application/json' } });
    expect(expired.statusCode).toBe(400);
    expect(expired.json<{ detail: string }>().detail).toMatch(/expired/);
    expect(await countRows(broker.database.url, 'connections')).toBe(before);
  });

  it('stores nothing when the user cancels at sipgate', async () => {
    const before = await countRows(broker.database.url, 'connections');
    const callback = await loginAtSandbox(broker, { deny: true });
    expect(callback).toContain('error=access_denied');
    const response = await broker.app.inject({ url: callback, headers: { accept: 'application/json' } });
    expect(response.statusCode).toBe(400);
    expect(response.json<{ detail: string }>().detail).toContain('access_denied');
    expect(await countRows(broker.database.url, 'connections')).toBe(before);
  });

  it('logs the session out at sipgate on disconnect and forgets the connection', async () => {
    const logoutsAtStart = broker.sandbox.stats().logouts;
    // w1 was connected by the first test: connecting again logs the replaced session out, in the
    // background. Counted before the disconnect's own logout is, so the two cannot be confused.
    const connection = await connectOAuth(broker, { sub: 'w1' });
    expect(await waitFor(async () => broker.sandbox.stats().logouts === logoutsAtStart + 1)).toBe(true);
    const token = (await readToken(broker, connection.id)).json<{ authorizationHeader: string }>();
    const logoutsBefore = broker.sandbox.stats().logouts;
    const deleted = await broker.app.inject({
      method: 'DELETE',
      url: `/v1/connections/${connection.id}`,
      headers: broker.admin,
    });
    expect(deleted.statusCode).toBe(204);
    expect((await readToken(broker, connection.id)).statusCode).toBe(404);
    expect(
      (await broker.app.inject({ url: `/v1/connections/${connection.id}`, headers: broker.admin }))
        .statusCode,
    ).toBe(404);
    // Best effort and asynchronous: the session ends shortly after.
    for (let i = 0; i < 50 && broker.sandbox.stats().logouts === logoutsBefore; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(broker.sandbox.stats().logouts).toBe(logoutsBefore + 1);
    const rejected = await fetch(`${broker.sandbox.url}/v2/authorization/userinfo`, {
      headers: { authorization: token.authorizationHeader },
    });
    expect(rejected.status).toBe(401);
  });
});
