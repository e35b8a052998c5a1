import Provider, { errors, interactionPolicy, type Grant, type KoaContextWithOIDC } from 'oidc-provider';

import { renderErrorPage } from './login-page.js';
import type { Directory } from './directory.js';
import type { MemoryStore } from './memory-store.js';
import type { SandboxClient } from './types.js';

export interface RealmProviderSetup {
  issuer: string;
  /** The REST API's resource indicator; access tokens carry it as `aud`. */
  apiAudience: string;
  signingKey: object;
  cookieKeys: string[];
  clients: readonly SandboxClient[];
  scopes: readonly string[];
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  directory: Directory;
  store: MemoryStore;
}

/** Paths below the issuer, laid out like Keycloak's. */
export const KEYCLOAK_ROUTES = {
  authorization: '/protocol/openid-connect/auth',
  token: '/protocol/openid-connect/token',
  revocation: '/protocol/openid-connect/revoke',
  jwks: '/protocol/openid-connect/certs',
  userinfo: '/protocol/openid-connect/userinfo',
  pushed_authorization_request: '/protocol/openid-connect/ext/par/request',
};

/** Handled by the sandbox itself: oidc-provider has no Keycloak-style back-channel logout. */
export const LOGOUT_ROUTE = '/protocol/openid-connect/logout';
export const LOGIN_ACTIONS_ROUTE = '/login-actions/';

const YEAR_SECONDS = 365 * 24 * 60 * 60;

/** One Keycloak realm: an oidc-provider instance configured to behave like sipgate's login server. */
export function createRealmProvider(setup: RealmProviderSetup): Provider {
  const issuerPath = new URL(setup.issuer).pathname;
  const policy = interactionPolicy.base();
  // Without this, a browser that logged in once would skip the picker on later connects, and a
  // developer could never connect a second demo user.
  policy
    .get('login')
    ?.checks.push(
      new interactionPolicy.Check(
        'sandbox_user_choice',
        'the sandbox asks which user to log in as on every authorization',
        'login_required',
        (ctx) => !ctx.oidc.result?.login,
      ),
    );

  return new Provider(setup.issuer, {
    adapter: (name) => setup.store.adapterFor(name),
    clients: setup.clients.map((client) => ({
      client_id: client.clientId,
      client_secret: client.clientSecret,
      redirect_uris: client.redirectUris,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    })),
    jwks: { keys: [setup.signingKey] },
    cookies: { keys: setup.cookieKeys },
    findAccount: (_ctx, id) => {
      const user = setup.directory.userById(id);
      return user && { accountId: id, claims: () => ({ sub: id }) };
    },
    routes: KEYCLOAK_ROUTES,
    scopes: ['openid', 'offline_access'],
    pkce: { required: () => true },
    allowOmittingSingleRegisteredRedirectUri: false,
    // Keycloak issues a refresh token for every code flow, offline_access or not, and never ties
    // it to the browser session.
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    expiresWithSession: () => false,
    rotateRefreshToken: true,
    loadExistingGrant: grantEverythingRequested,
    extraTokenClaims: (_ctx, token) =>
      token.kind === 'AccessToken'
        ? {
            azp: token.clientId,
            typ: 'Bearer',
            // Keycloak's session id; here the grant, so the REST stand-in can reject tokens of ended grants.
            sid: token.grantId,
            realm_access: { roles: token.scope ? token.scope.split(' ') : [] },
          }
        : undefined,
    interactions: {
      url: (_ctx, interaction) => `${issuerPath}${LOGIN_ACTIONS_ROUTE}${interaction.uid}`,
      policy,
    },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      userinfo: { enabled: true },
      revocation: {
        enabled: true,
        allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId,
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => setup.apiAudience,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          if (resource !== setup.apiAudience) throw new errors.InvalidTarget();
          return {
            scope: setup.scopes.join(' '),
            audience: setup.apiAudience,
            accessTokenTTL: setup.accessTokenTtlSeconds,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    ttl: {
      AccessToken: setup.accessTokenTtlSeconds,
      AuthorizationCode: 60,
      IdToken: setup.accessTokenTtlSeconds,
      RefreshToken: setup.refreshTokenTtlSeconds,
      Interaction: 60 * 60,
      Session: 24 * 60 * 60,
      // Stands in for Keycloak's maximum session length; it must outlive many rotations.
      Grant: Math.max(YEAR_SECONDS, setup.refreshTokenTtlSeconds),
    },
    clientBasedCORS: () => false,
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = renderErrorPage(out);
    },
    discovery: { end_session_endpoint: `${setup.issuer}${LOGOUT_ROUTE}` },
  });
}

/**
 * First-party style consent: right after the developer picked a user, grant exactly what the
 * client asked for. Every login gets a grant of its own, so ending one connection's session
 * (logout, revocation) never takes another connection down with it.
 */
async function grantEverythingRequested(ctx: KoaContextWithOIDC): Promise<Grant | undefined> {
  const { oidc } = ctx;
  const grantId = oidc.result?.consent?.grantId;
  if (grantId) return oidc.provider.Grant.find(grantId);
  if (!oidc.result?.login || !oidc.account || !oidc.client) return undefined;

  const grant = new oidc.provider.Grant({
    accountId: oidc.account.accountId,
    clientId: oidc.client.clientId,
  });
  const oidcScopes = [...oidc.requestParamOIDCScopes].join(' ');
  if (oidcScopes) grant.addOIDCScope(oidcScopes);
  for (const [resource, server] of Object.entries(oidc.resourceServers)) {
    grant.addResourceScope(
      resource,
      [...oidc.requestParamScopes].filter((s) => server.scopes.has(s)).join(' '),
    );
  }
  await grant.save();
  return grant;
}
