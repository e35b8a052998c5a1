import { connectionSecretAad } from '../connections/connection-secrets.js';
import { verifierAad } from '../oauth/oauth-attempts.repository.js';
import { leaseFreeText } from '../refresh/lease-rule.js';

/** A bytea column holding a sealed secret, and the associated data it is sealed with. */
export interface SecretColumn {
  name: string;
  aad(rowId: string): string;
}

export interface SecretTable {
  table: string;
  columns: SecretColumn[];
  /**
   * SQL condition (on the row alias given) under which a row must not be rewritten now, or null.
   * Evaluated inside the compare-and-swap UPDATE, so it is checked under the row lock. `takeoverUntil`:
   * until when the rotation may treat expired leases as abandoned (null: not yet; lease-rule.ts).
   */
  busyWhen: ((row: string, takeoverUntil: Date | null) => string) | null;
}

/**
 * Every table that holds secrets, with the exact associated data its repository uses (imported from
 * there, not repeated), since a value re-sealed with any other AAD would no longer decrypt. A new
 * secret column must be added here, or rotation leaves it under the old key.
 */
export const SECRET_TABLES: readonly SecretTable[] = [
  {
    table: 'connections',
    columns: [
      { name: 'access_token_ciphertext', aad: (id) => connectionSecretAad(id, 'access_token') },
      { name: 'refresh_token_ciphertext', aad: (id) => connectionSecretAad(id, 'refresh_token') },
    ],
    // A refresher holding a lease, or one whose lease ran out while the database was away and that
    // is still retrying its write-back, stores its result by compare-and-swap on the refresh token
    // ciphertext it spent. Re-sealing that ciphertext under it would make its write fail and log out
    // the freshly rotated session, so the rotation leaves a row exactly as long as a refresher would
    // not take it over: the lease rule (lease-rule.ts), with the rotation's own start as the moment
    // it regained the database (it is a process of its own, and any failed query ends its run).
    busyWhen: (row, takeoverUntil) => `NOT ${leaseFreeText(row, takeoverUntil)}`,
  },
  {
    table: 'oauth_attempts',
    columns: [{ name: 'code_verifier_ciphertext', aad: verifierAad }],
    busyWhen: null,
  },
];
