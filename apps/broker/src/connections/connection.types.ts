import type { Connection } from '#libs/database';

/** A connection as the API shows it: everything but secrets and refresher bookkeeping. */
export type ConnectionView = Omit<
  Connection,
  | 'accessTokenCiphertext'
  | 'accessTokenLifetimeSeconds'
  | 'refreshTokenCiphertext'
  | 'refreshDueAt'
  | 'failureCount'
  | 'leaseToken'
  | 'leaseExpiresAt'
  | 'version'
>;

export const CONNECTION_VIEW_FIELDS = {
  id: true,
  type: true,
  status: true,
  label: true,
  sipgateAccountId: true,
  sipgateUserId: true,
  scopes: true,
  accessTokenExpiresAt: true,
  refreshTokenExpiresAt: true,
  lastRefreshedAt: true,
  lastError: true,
  createdAt: true,
  updatedAt: true,
} as const;

/** The secret a consumer needs right now, decrypted; only ever held in memory. */
export interface UsableCredential {
  connectionId: string;
  type: Connection['type'];
  status: Connection['status'];
  /** OAuth: the access token. PAT: `tokenId:token`. */
  secret: string;
  /** Null for PATs, which do not expire. */
  expiresAt: Date | null;
  /** Seconds sipgate granted the access token when it was issued; null for PATs. */
  lifetimeSeconds: number | null;
  version: number;
  /** Set while the refresher backs off after transient failures. */
  retryNotBefore: Date | null;
}

export interface SipgateIdentity {
  sipgateAccountId: string;
  sipgateUserId: string;
}
