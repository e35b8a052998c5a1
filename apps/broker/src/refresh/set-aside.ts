import type { DecryptionError, DecryptionFailure } from '#libs/crypto';
import { Prisma } from '#libs/database';
import { retryDelayMs } from './refresh-schedule.js';

/** A row leased for a refresh whose refresh token no configured key opens. */
export interface UnreadableLease {
  connectionId: string;
  leaseToken: string;
  failureCount: number;
  error: DecryptionError;
}

/** What became of an UnreadableLease: released, backed off, and why, for the log and the metric. */
export interface SetAsideClaim {
  connectionId: string;
  reason: DecryptionFailure;
  lastError: string;
}

/**
 * Releases the leases of unreadable rows and backs them off like a transient failure, in one
 * statement for a whole batch. The status stays `active`: a replica holding the wrong key material
 * under a right id would otherwise flip healthy connections to `reauth_required`, and a key that
 * comes back (configured again, a replica fixed) heals the row with no reconnect. Backing off keeps
 * the row from leading every batch with the oldest due time. Fenced by the lease, as recordFailure.
 */
export function setAsideStatement(rows: readonly UnreadableLease[]): {
  query: Prisma.Sql;
  setAside: SetAsideClaim[];
} {
  const setAside = rows.map((row) => ({
    connectionId: row.connectionId,
    reason: row.error.reason,
    lastError: lastErrorOf(row.error),
  }));
  const query = Prisma.sql`
    UPDATE connections c
       SET lease_token = NULL, lease_expires_at = NULL, failure_count = c.failure_count + 1,
           refresh_due_at = now() + make_interval(secs => s.delay), last_error = s.last_error
      FROM unnest(${rows.map((row) => row.connectionId)}::uuid[], ${rows.map((row) => row.leaseToken)}::uuid[],
                  ${rows.map((row) => retryDelayMs(row.failureCount + 1) / 1000)}::float8[],
                  ${setAside.map((row) => row.lastError)}::text[]) AS s(id, lease_token, delay, last_error)
     WHERE c.id = s.id AND c.lease_token = s.lease_token`;
  return { query, setAside };
}

/** Names the key id the value needs (never key material, see DecryptionError) and what heals it. */
function lastErrorOf(error: DecryptionError): string {
  const heal = error.keyId
    ? `it refreshes again by itself once every replica has the right key '${error.keyId}' in BROKER_ENCRYPTION_KEYS`
    : 'connect the account again';
  return `the stored refresh token could not be opened (${error.message}); ${heal}`;
}
