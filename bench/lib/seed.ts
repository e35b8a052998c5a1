import type pg from 'pg';
import type { SecretCipher } from '#libs/crypto';

export interface SeedConnection {
  id: string;
  /** sipgate user id; unique per connection. */
  sub: string;
  type: 'oauth' | 'pat';
  /** OAuth access token, or `tokenId:token` of a PAT. */
  secret: string;
  accessExpiresAt: Date | null;
  refreshToken: string | null;
  refreshExpiresAt: Date | null;
  refreshDueAt: Date | null;
}

/** The associated data the broker binds each secret to (apps/broker/src/connections/connection-secrets.ts). */
const aad = (id: string, field: 'access_token' | 'refresh_token') => `connections:${id}:${field}`;

const BATCH = 2_000;

/**
 * Inserts connections as the broker would have stored them: secrets sealed by the broker's own
 * SecretCipher with the same row binding, so the broker under test decrypts them with its key.
 * Multi-row INSERT … SELECT FROM unnest(…): one statement per 2,000 rows.
 */
export async function insertConnections(
  db: pg.Pool,
  cipher: SecretCipher,
  connections: Iterable<SeedConnection>,
): Promise<number> {
  let inserted = 0;
  let batch: SeedConnection[] = [];
  const flush = async () => {
    if (!batch.length) return;
    await db.query(
      `INSERT INTO connections (id, type, status, sipgate_account_id, sipgate_user_id, scopes,
              access_token_ciphertext, access_token_expires_at, refresh_token_ciphertext, refresh_token_expires_at,
              last_refreshed_at, refresh_due_at, updated_at)
       SELECT u.id, u.type::"ConnectionType", 'active', 'bench', u.sub, ARRAY['all'],
              u.access, u.access_expires, u.refresh, u.refresh_expires, now(), u.due, now()
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bytea[], $5::timestamptz[], $6::bytea[],
                     $7::timestamptz[], $8::timestamptz[])
              AS u(id, type, sub, access, access_expires, refresh, refresh_expires, due)`,
      [
        batch.map((c) => c.id),
        batch.map((c) => c.type),
        batch.map((c) => c.sub),
        batch.map((c) => cipher.encrypt(c.secret, aad(c.id, 'access_token'))),
        batch.map((c) => c.accessExpiresAt),
        batch.map((c) =>
          c.refreshToken ? cipher.encrypt(c.refreshToken, aad(c.id, 'refresh_token')) : null,
        ),
        batch.map((c) => c.refreshExpiresAt),
        batch.map((c) => c.refreshDueAt),
      ],
    );
    inserted += batch.length;
    batch = [];
  };
  for (const connection of connections) {
    batch.push(connection);
    if (batch.length === BATCH) await flush();
  }
  await flush();
  return inserted;
}
