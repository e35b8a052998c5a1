import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { closedPortUrl, EdgeServer, sendJson } from '../test/edge-server.js';
import { leakedSecrets } from '../test/leaked-secrets.js';
import {
  SipgateGrantError,
  SipgateRequestError,
  SipgateResponseError,
  SipgateUnavailableError,
  type SipgateError,
} from './errors.js';
import { SipgateOAuthClient } from './oauth-client.js';

const TOKEN_PATH = '/auth/realms/third-party/protocol/openid-connect/token';
const CLIENT_SECRET = `secret-${randomUUID()}`;
const REFRESH_TOKEN = `eyJhbGciOiJIUzI1NiJ9.${randomUUID()}.refresh`;
const NEW_REFRESH_TOKEN = `eyJhbGciOiJIUzI1NiJ9.${randomUUID()}.rotated`;
const ACCESS_TOKEN = `eyJhbGciOiJSUzI1NiJ9.${randomUUID()}.access`;
const CODE = `${randomUUID()}.${randomUUID()}.${randomUUID()}`;
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const SECRETS = [CLIENT_SECRET, REFRESH_TOKEN, NEW_REFRESH_TOKEN, ACCESS_TOKEN, CODE, VERIFIER];

const goodTokenResponse = {
  access_token: ACCESS_TOKEN,
  expires_in: 300,
  refresh_expires_in: 2592000,
  refresh_token: NEW_REFRESH_TOKEN,
  token_type: 'Bearer',
  'not-before-policy': 0,
  session_state: randomUUID(),
  scope: 'profile all',
};

let edge: EdgeServer;
let client: SipgateOAuthClient;

function clientFor(loginUrl: string, timeoutMs = 2_000): SipgateOAuthClient {
  return new SipgateOAuthClient({
    loginUrl,
    realm: 'third-party',
    clientId: 'broker-client',
    clientSecret: CLIENT_SECRET,
    timeoutMs,
  });
}

/** The classified error a call rejects with, after checking that no secret leaks through it. */
async function failureOf(call: Promise<unknown>): Promise<SipgateError> {
  const error = await call.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (rejection: unknown) => rejection,
  );
  expect(leakedSecrets(error, SECRETS)).toEqual([]);
  return error as SipgateError;
}

beforeAll(async () => {
  edge = await EdgeServer.start();
});
afterAll(() => edge.stop());
beforeEach(() => {
  client = clientFor(`${edge.url}/`);
});
afterEach(() => client.close());

describe('authorizationUrl', () => {
  it('carries every parameter of the PKCE authorization request and no secret', () => {
    const url = new URL(
      client.authorizationUrl({
        redirectUri: 'http://localhost:3000/v1/oauth/callback',
        scopes: ['all', 'profile'],
        state: 'state-123',
        codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      }),
    );
    expect(url.origin + url.pathname).toBe(
      `${edge.url}/auth/realms/third-party/protocol/openid-connect/auth`,
    );
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: 'broker-client',
      redirect_uri: 'http://localhost:3000/v1/oauth/callback',
      scope: 'all profile',
      response_type: 'code',
      state: 'state-123',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    });
    expect(url.toString()).not.toContain(CLIENT_SECRET);
  });
});

describe('exchangeCode', () => {
  it('posts a client-authenticated form and parses the token set', async () => {
    edge.respond((_request, response) => sendJson(response, 200, goodTokenResponse));

    const tokens = await client.exchangeCode({
      code: CODE,
      redirectUri: 'http://cb/',
      codeVerifier: VERIFIER,
    });

    expect(tokens).toEqual({
      accessToken: ACCESS_TOKEN,
      refreshToken: NEW_REFRESH_TOKEN,
      expiresIn: 300,
      refreshExpiresIn: 2592000,
      scopes: ['profile', 'all'],
      tokenType: 'Bearer',
    });
    const request = edge.lastRequest;
    expect(request.method).toBe('POST');
    expect(request.url).toBe(TOKEN_PATH);
    expect(request.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(request.headers.accept).toContain('application/json');
    expect(request.headers.authorization).toBeUndefined();
    expect(Object.fromEntries(new URLSearchParams(request.body))).toEqual({
      client_id: 'broker-client',
      client_secret: CLIENT_SECRET,
      grant_type: 'authorization_code',
      code: CODE,
      redirect_uri: 'http://cb/',
      code_verifier: VERIFIER,
    });
  });

  it('reports a used or expired code as a grant error', async () => {
    edge.respond((_request, response) =>
      sendJson(response, 400, { error: 'invalid_grant', error_description: 'Code not valid' }),
    );
    const error = await failureOf(
      client.exchangeCode({ code: CODE, redirectUri: 'http://cb/', codeVerifier: VERIFIER }),
    );
    expect(error).toBeInstanceOf(SipgateGrantError);
    expect(error).toMatchObject({
      oauthError: 'invalid_grant',
      description: 'Code not valid',
      endpoint: 'token',
    });
  });
});

describe('refresh', () => {
  it('posts grant_type=refresh_token with the client credentials in the body, never in the URL', async () => {
    edge.respond((_request, response) => sendJson(response, 200, goodTokenResponse));

    await client.refresh(REFRESH_TOKEN);

    const request = edge.lastRequest;
    expect(request.url).toBe(TOKEN_PATH);
    expect(Object.fromEntries(new URLSearchParams(request.body))).toEqual({
      client_id: 'broker-client',
      client_secret: CLIENT_SECRET,
      grant_type: 'refresh_token',
      refresh_token: REFRESH_TOKEN,
    });
  });

  it('tolerates a response without a rotated refresh token', async () => {
    const { refresh_token: _dropped, refresh_expires_in: _alsoDropped, ...rest } = goodTokenResponse;
    edge.respond((_request, response) => sendJson(response, 200, rest));

    const tokens = await client.refresh(REFRESH_TOKEN);

    expect(tokens.refreshToken).toBeUndefined();
    expect(tokens.refreshExpiresIn).toBeUndefined();
    expect(tokens.accessToken).toBe(ACCESS_TOKEN);
  });

  it('reads lifetimes from the response instead of assuming them', async () => {
    edge.respond((_request, response) =>
      sendJson(response, 200, { ...goodTokenResponse, expires_in: 120, refresh_expires_in: 600 }),
    );
    await expect(client.refresh(REFRESH_TOKEN)).resolves.toMatchObject({
      expiresIn: 120,
      refreshExpiresIn: 600,
    });
  });

  it('turns invalid_grant into a permanent grant error and redacts a token echoed by the server', async () => {
    edge.respond((_request, response) =>
      sendJson(response, 400, {
        error: 'invalid_grant',
        error_description: `Token is not active: ${REFRESH_TOKEN} (client ${CLIENT_SECRET})`,
      }),
    );

    const error = await failureOf(client.refresh(REFRESH_TOKEN));

    expect(error).toBeInstanceOf(SipgateGrantError);
    expect(error).toMatchObject({ status: 400, oauthError: 'invalid_grant', retryable: false });
    expect((error as SipgateGrantError).clientMisconfigured).toBe(false);
    expect((error as SipgateGrantError).description).toBe(
      'Token is not active: [redacted] (client [redacted])',
    );
  });

  it('marks invalid_client as a grant error caused by the client configuration', async () => {
    edge.respond((_request, response) =>
      sendJson(response, 401, { error: 'invalid_client', error_description: 'Invalid client credentials' }),
    );
    const error = await failureOf(client.refresh(REFRESH_TOKEN));
    expect(error).toBeInstanceOf(SipgateGrantError);
    expect((error as SipgateGrantError).clientMisconfigured).toBe(true);
  });

  it('reports other 4xx answers as a non-retryable request error', async () => {
    edge.respond((_request, response) =>
      sendJson(response, 400, {
        error: 'unsupported_grant_type',
        error_description: 'Unsupported grant_type',
      }),
    );
    const error = await failureOf(client.refresh(REFRESH_TOKEN));
    expect(error).toBeInstanceOf(SipgateRequestError);
    expect(error).toMatchObject({ status: 400, oauthError: 'unsupported_grant_type', retryable: false });
  });

  it('reports 503 with Retry-After as unavailable, carrying the delay', async () => {
    edge.respond((_request, response) => sendJson(response, 503, {}, { 'Retry-After': '120' }));
    const error = await failureOf(client.refresh(REFRESH_TOKEN));
    expect(error).toBeInstanceOf(SipgateUnavailableError);
    expect(error).toMatchObject({ status: 503, retryAfterSeconds: 120, retryable: true });
  });

  it('reports 429 and HTML error pages from a 5xx as unavailable', async () => {
    edge.respond((_request, response) => sendJson(response, 429, { error: 'invalid_grant' }));
    expect(await failureOf(client.refresh(REFRESH_TOKEN))).toMatchObject({
      status: 429,
      retryAfterSeconds: undefined,
    });

    edge.respond((_request, response) => {
      response.writeHead(502, { 'Content-Type': 'text/html' });
      response.end('<html>Bad Gateway</html>');
    });
    expect(await failureOf(client.refresh(REFRESH_TOKEN))).toBeInstanceOf(SipgateUnavailableError);
  });

  it('gives up after timeoutMs when the server does not answer', async () => {
    edge.respond(() => undefined);
    const slowClient = clientFor(edge.url, 200);
    const started = Date.now();

    const error = await failureOf(slowClient.refresh(REFRESH_TOKEN));

    slowClient.close();
    expect(error).toBeInstanceOf(SipgateUnavailableError);
    expect(error).toMatchObject({ networkError: 'TIMEOUT', status: undefined });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('bounds the whole request, even when the server keeps trickling bytes', async () => {
    edge.respond((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      const drip = setInterval(() => (response.destroyed ? clearInterval(drip) : response.write(' ')), 50);
    });
    const slowClient = clientFor(edge.url, 300);

    const error = await failureOf(slowClient.refresh(REFRESH_TOKEN));

    slowClient.close();
    expect(error).toMatchObject({ networkError: 'TIMEOUT' });
  });

  it('reports a refused connection as unavailable', async () => {
    const unreachable = clientFor(await closedPortUrl());
    const error = await failureOf(unreachable.refresh(REFRESH_TOKEN));
    unreachable.close();
    expect(error).toBeInstanceOf(SipgateUnavailableError);
    expect(error).toMatchObject({ networkError: 'ECONNREFUSED' });
  });

  it('reports malformed JSON in a 200 as an unusable response', async () => {
    edge.respond((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(`{"access_token":"${ACCESS_TOKEN}",`);
    });
    const error = await failureOf(client.refresh(REFRESH_TOKEN));
    expect(error).toBeInstanceOf(SipgateResponseError);
    expect(error.message).toContain('not valid JSON');
  });

  it.each([
    ['access_token is missing', { ...goodTokenResponse, access_token: undefined }],
    ['expires_in is not a positive number', { ...goodTokenResponse, expires_in: 'soon' }],
  ])('rejects a token response whose %s', async (problem, body) => {
    edge.respond((_request, response) => sendJson(response, 200, body));
    const error = await failureOf(client.refresh(REFRESH_TOKEN));
    expect(error).toBeInstanceOf(SipgateResponseError);
    expect(error.message).toContain(problem);
  });

  it('does not follow redirects, which could carry the form body elsewhere', async () => {
    edge.respond((request, response) => {
      if (request.url === '/elsewhere') return sendJson(response, 200, goodTokenResponse);
      response.writeHead(307, { Location: '/elsewhere' });
      response.end();
    });
    const before = edge.requests.length;

    const error = await failureOf(client.refresh(REFRESH_TOKEN));

    expect(error).toBeInstanceOf(SipgateResponseError);
    expect(edge.requests.length).toBe(before + 1);
  });
});

describe('logout', () => {
  it('posts the refresh token with the client credentials to the logout endpoint', async () => {
    edge.respond((_request, response) => {
      response.writeHead(204);
      response.end();
    });

    await client.logout(REFRESH_TOKEN);

    const request = edge.lastRequest;
    expect(request.url).toBe('/auth/realms/third-party/protocol/openid-connect/logout');
    expect(Object.fromEntries(new URLSearchParams(request.body))).toEqual({
      client_id: 'broker-client',
      client_secret: CLIENT_SECRET,
      refresh_token: REFRESH_TOKEN,
    });
  });

  it('reports an already dead session as a grant error', async () => {
    edge.respond((_request, response) =>
      sendJson(response, 400, { error: 'invalid_grant', error_description: 'Session not active' }),
    );
    const error = await failureOf(client.logout(REFRESH_TOKEN));
    expect(error).toMatchObject({ endpoint: 'logout', oauthError: 'invalid_grant' });
  });
});
