import { SipgateResponseError } from './errors.js';
import type { RawResponse } from './http-transport.js';
import { parseJsonObject } from './response-failure.js';

/** A token endpoint answer. Lifetimes come from each response; sipgate may change them at any time. */
export interface TokenSet {
  accessToken: string;
  /** Absent when the server did not rotate it; the caller keeps the one it has. */
  refreshToken?: string;
  /** Seconds the access token is valid from the moment of the response (sipgate: 300). */
  expiresIn: number;
  /** Seconds the refresh token is valid; absent when the server set no time limit. */
  refreshExpiresIn?: number;
  /** Granted scopes, which may differ from the requested ones; empty when the server did not say. */
  scopes: string[];
  /** Normally "Bearer"; goes straight into the Authorization header. */
  tokenType: string;
}

/** Validates a 2xx token endpoint response (RFC 6749 5.1). Problems name fields, never their values. */
export function parseTokenSet(response: RawResponse): TokenSet {
  const json = parseJsonObject('token', response);
  const problem = (text: string) => new SipgateResponseError('token', response.status, text);

  if (typeof json.access_token !== 'string' || json.access_token === '') {
    throw problem('access_token is missing');
  }
  if (typeof json.token_type !== 'string' || json.token_type === '') throw problem('token_type is missing');
  const refreshToken = json.refresh_token;
  if (refreshToken !== undefined && (typeof refreshToken !== 'string' || refreshToken === '')) {
    throw problem('refresh_token is not a non-empty string');
  }
  if (json.scope !== undefined && typeof json.scope !== 'string') throw problem('scope is not a string');

  const expiresIn = readSeconds(json.expires_in);
  if (typeof expiresIn !== 'number' || expiresIn === 0) throw problem('expires_in is not a positive number');
  const refreshExpiresIn = readSeconds(json.refresh_expires_in);
  if (refreshExpiresIn === null) throw problem('refresh_expires_in is not a number');

  return {
    accessToken: json.access_token,
    refreshToken,
    expiresIn,
    // Keycloak reports 0 for offline tokens, which have no time limit; 0 must not read as "already expired".
    refreshExpiresIn: refreshExpiresIn === 0 ? undefined : refreshExpiresIn,
    scopes: typeof json.scope === 'string' ? json.scope.split(' ').filter((scope) => scope !== '') : [],
    // token_type is case-insensitive (RFC 6749 7.1) and older Keycloaks send "bearer"; consumers paste it
    // into a header where "Bearer" is the expected spelling.
    tokenType: json.token_type.toLowerCase() === 'bearer' ? 'Bearer' : json.token_type,
  };
}

/** Seconds as a non-negative number; digit strings are accepted. undefined if absent, null if invalid. */
function readSeconds(value: unknown): number | undefined | null {
  if (value === undefined || value === null) return undefined;
  const seconds = typeof value === 'string' && /^\d{1,10}$/.test(value) ? Number(value) : value;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0 ? seconds : null;
}
