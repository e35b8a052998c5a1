import { connectionSecretAad } from '../connections/connection-secrets.js';
import { verifierAad } from '../oauth/oauth-attempts.repository.js';

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
   * Evaluated inside the compare-and-swap UPDATE, so it is checked under the row lock.
   */
  busyWhen: ((row: string) => string) | null;
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
    // A refresher holding a lease (or one whose lease ran out a moment ago, still retrying its
    // write-back while the database was away) stores its result by compare-and-swap on the refresh
    // token ciphertext it spent. Re-sealing that ciphertext under it would make its write fail and
    // lose the freshly rotated refresh token, so leased rows wait for a later pass.
    busyWhen: (row) =>
      `${row}.lease_expires_at IS NOT NULL AND ${row}.lease_expires_at > now() - interval '5 minutes'`,
  },
  {
    table: 'oauth_attempts',
    columns: [{ name: 'code_verifier_ciphertext', aad: verifierAad }],
    busyWhen: null,
  },
];
