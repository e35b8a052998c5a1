// Shared by the sandbox's own specs: what a client of the sandbox (the broker) does over HTTP.
import { createHash, randomBytes } from 'node:crypto';

import { completeSandboxLogin, type SandboxLoginOptions } from './complete-sandbox-login.js';
import type { Sandbox, SandboxClient } from './types.js';

export const TEST_CLIENT: SandboxClient = {
  clientId: 'broker-test',
  clientSecret: 'broker-test-secret',
  redirectUris: ['http://127.0.0.1:9/v1/oauth/callback'],
};
const REDIRECT_URI = TEST_CLIENT.redirectUris[0]!;

export interface TokenSet {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  refresh_expires_in: number;
  token_type: string;
  scope: string;
}

export interface HttpResult<T = Record<string, unknown>> {
  status: number;
  body: T;
}

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function authorizationUrl(
  sandbox: Sandbox,
  params: { realm?: string; scope?: string; state?: string; challenge?: string } = {},
): string {
  const url = new URL(`${sandbox.issuerFor(params.realm)}/protocol/openid-connect/auth`);
  const query: Record<string, string> = {
    client_id: TEST_CLIENT.clientId,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    state: params.state ?? 'state-123',
  };
  if (params.scope !== undefined) query.scope = params.scope;
  if (params.challenge !== undefined) {
    query.code_challenge = params.challenge;
    query.code_challenge_method = 'S256';
  }
  url.search = new URLSearchParams(query).toString();
  return url.href;
}

export async function postForm<T = Record<string, unknown>>(
  url: string,
  form: Record<string, string>,
): Promise<HttpResult<T>> {
  const response = await fetch(url, { method: 'POST', body: new URLSearchParams(form) });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

export function tokenRequest<T = Record<string, unknown>>(
  sandbox: Sandbox,
  form: Record<string, string>,
  realm?: string,
): Promise<HttpResult<T>> {
  return postForm<T>(`${sandbox.issuerFor(realm)}/protocol/openid-connect/token`, {
    client_id: TEST_CLIENT.clientId,
    client_secret: TEST_CLIENT.clientSecret,
    ...form,
  });
}

/** The whole connect: PKCE authorization, login in the "browser", code exchange. */
export async function connect(
  sandbox: Sandbox,
  options: SandboxLoginOptions & { realm?: string; scope?: string } = {},
): Promise<TokenSet> {
  const { verifier, challenge } = pkce();
  const callback = await completeSandboxLogin(
    authorizationUrl(sandbox, { realm: options.realm, scope: options.scope, challenge }),
    options,
  );
  const code = callback.searchParams.get('code');
  if (!code) throw new Error(`no code in ${callback.href}`);
  const { status, body } = await tokenRequest<TokenSet>(
    sandbox,
    { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier },
    options.realm,
  );
  if (status !== 200) throw new Error(`code exchange failed: ${JSON.stringify(body)}`);
  return body;
}

export function refresh(sandbox: Sandbox, refreshToken: string, realm?: string) {
  return tokenRequest<TokenSet & { error?: string }>(
    sandbox,
    { grant_type: 'refresh_token', refresh_token: refreshToken },
    realm,
  );
}

export async function getJson(url: string, authorization?: string): Promise<HttpResult> {
  const response = await fetch(url, { headers: authorization ? { authorization } : {} });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export function userinfo(sandbox: Sandbox, authorization?: string): Promise<HttpResult> {
  return getJson(`${sandbox.url}/v2/authorization/userinfo`, authorization);
}

export function basicAuth(tokenId: string, token: string): string {
  return `Basic ${Buffer.from(`${tokenId}:${token}`).toString('base64')}`;
}
