import type { KeyObject } from 'node:crypto';

import { decodeJwt, jwtVerify } from 'jose';

import type { Directory } from './directory.js';
import type { MemoryStore } from './memory-store.js';
import type { SandboxUser } from './types.js';

export interface RealmKey {
  issuer: string;
  publicKey: KeyObject;
}

export interface ApiCaller {
  user: SandboxUser;
  /** Granted scopes; a PAT counts as `all`. */
  scopes: Set<string>;
}

export interface ApiAuthContext {
  realmKeys: readonly RealmKey[];
  audience: string;
  directory: Directory;
  store: MemoryStore;
}

/** Resolves an `Authorization` header (OAuth access token or PAT) to the calling user. */
export async function authenticateApiCall(
  header: string | undefined,
  context: ApiAuthContext,
): Promise<ApiCaller | undefined> {
  const [scheme, credentials] = header?.split(' ', 2) ?? [];
  if (!credentials) return undefined;
  if (scheme?.toLowerCase() === 'bearer') return verifyAccessToken(credentials, context);
  if (scheme?.toLowerCase() === 'basic') return verifyPat(credentials, context.directory);
  return undefined;
}

async function verifyAccessToken(token: string, context: ApiAuthContext): Promise<ApiCaller | undefined> {
  let issuer: unknown;
  try {
    issuer = decodeJwt(token).iss;
  } catch {
    return undefined;
  }
  const realm = context.realmKeys.find((key) => key.issuer === issuer);
  if (!realm) return undefined;
  try {
    const { payload } = await jwtVerify(token, realm.publicKey, {
      issuer: realm.issuer,
      audience: context.audience,
      algorithms: ['RS256'],
    });
    // Like sipgate after a logout: a token of an ended session stops working before it expires.
    if (typeof payload.sid !== 'string' || !context.store.hasGrant(payload.sid)) return undefined;
    const user = payload.sub === undefined ? undefined : context.directory.userById(payload.sub);
    const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
    return user && { user, scopes: new Set(scopes) };
  } catch {
    return undefined;
  }
}

function verifyPat(credentials: string, directory: Directory): ApiCaller | undefined {
  const decoded = Buffer.from(credentials, 'base64').toString('utf8');
  const separator = decoded.indexOf(':');
  if (separator < 0) return undefined;
  const user = directory.userForPat(decoded.slice(0, separator), decoded.slice(separator + 1));
  return user && { user, scopes: new Set(['all']) };
}
