import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC, OIDCProviderError } from 'oidc-provider';

import type { SandboxLogger, SandboxStats } from './types.js';

export interface RealmHookContext {
  realm: string;
  stats: SandboxStats;
  log: SandboxLogger;
}

/** oidc-provider's wording for a rotated refresh token presented again (reuse detection). */
const REFRESH_TOKEN_REUSED = 'refresh token already used';

/**
 * Makes a realm's token endpoint answer like Keycloak (`refresh_expires_in`, descriptive errors)
 * and counts what happens for `stats()`.
 */
export function instrumentRealm(provider: Provider, { realm, stats, log }: RealmHookContext): void {
  const grantErrors = new WeakMap<KoaContextWithOIDC, OIDCProviderError>();

  provider.on('grant.error', (ctx, error) => {
    grantErrors.set(ctx, error);
    if (error.error_detail === REFRESH_TOKEN_REUSED) {
      stats.refreshTokenReuses += 1;
      log({ level: 'warn', message: 'refresh token reused: grant revoked', details: { realm } });
    }
  });
  provider.on('authorization.success', (_ctx, out) => {
    if (out.code) stats.codesIssued += 1;
  });
  provider.on('server_error', (_ctx, error) => {
    log({ level: 'error', message: `oidc-provider failed: ${error.message}`, details: { realm } });
  });

  provider.use(async (ctx, next) => {
    await next();
    if (ctx.oidc?.route === 'token') recordTokenResponse(ctx, grantErrors.get(ctx));
  });

  function recordTokenResponse(ctx: KoaContextWithOIDC, error: OIDCProviderError | undefined): void {
    const grantType = ctx.oidc.params?.grant_type;
    const ok = ctx.status === 200;
    if (grantType === 'authorization_code') {
      if (ok) stats.tokenExchanges += 1;
      else stats.tokenExchangeFailures += 1;
    } else if (grantType === 'refresh_token') {
      if (ok) stats.refreshesSucceeded += 1;
      else stats.refreshFailures += 1;
    }

    const body = ctx.body as Record<string, unknown> | undefined;
    if (ok && body?.refresh_token) {
      body.refresh_expires_in = ctx.oidc.entities.RefreshToken?.remainingTTL;
    }
    // oidc-provider says only "grant request is invalid"; the reason helps whoever debugs a client.
    if (!ok && body && error?.error_detail) {
      const description = typeof body.error_description === 'string' ? body.error_description : error.error;
      body.error_description = `${description} (${error.error_detail})`;
    }
    log({
      level: ok ? 'info' : 'warn',
      message: `token ${String(grantType)} ${ok ? 'issued' : `refused: ${String(body?.error)}`}`,
      details: { realm, clientId: ctx.oidc.client?.clientId, status: ctx.status },
    });
  }
}
