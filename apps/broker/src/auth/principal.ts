import { canonicalUuid } from '../validation/canonical-uuid.js';

/** `admin` may do everything; `tokens:read` may only read tokens (of its connections, if limited). */
export const SCOPES = ['admin', 'tokens:read'] as const;
export type Scope = (typeof SCOPES)[number];

/** Who is calling: the authenticated API key, as the guard attached it to the request. */
export interface Principal {
  /** The api_keys row id, or `bootstrap` for BROKER_ADMIN_API_KEY (which is not in the table). */
  keyId: string;
  scopes: readonly Scope[];
  /** Connections this key may use (lower-case UUIDs); null: every connection. */
  connectionIds: readonly string[] | null;
}

export const BOOTSTRAP_PRINCIPAL: Principal = Object.freeze({
  keyId: 'bootstrap',
  scopes: Object.freeze(['admin'] as const),
  connectionIds: null,
});

export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.includes('admin') || principal.scopes.includes(scope);
}

/**
 * May this principal use this connection? Guards run before the ValidationPipe, so the id is the
 * one the caller sent: compared in canonical form; a malformed id matches none.
 */
export function mayUseConnection(principal: Principal, connectionId: string): boolean {
  if (principal.connectionIds === null) return true;
  const canonical = canonicalUuid(connectionId);
  return canonical !== undefined && principal.connectionIds.includes(canonical);
}
