import { Prisma } from '#libs/database';
import { claimable, type LeaseStanding } from './lease-rule.js';

/**
 * Leases up to `limit` connections whose refresh is due, oldest due first, for `leaseSeconds` on
 * the database clock (replicas' clocks may differ). `FOR UPDATE SKIP LOCKED`: replicas claiming at
 * the same moment take different rows instead of queueing behind each other's locks, and a row
 * leased by anyone is not due again until the lease rule frees it (lease-rule.ts). Its own file so
 * that the bench EXPLAINs the very statement the refresher runs.
 */
export function claimDueQuery(limit: number, leaseSeconds: number, standing: LeaseStanding): Prisma.Sql {
  return Prisma.sql`
    WITH due AS (
      SELECT id FROM connections
       WHERE refresh_due_at <= now() AND type = 'oauth' AND status = 'active'
         AND refresh_token_ciphertext IS NOT NULL
         AND ${claimable(standing)}
       ORDER BY refresh_due_at
       LIMIT ${limit}
       FOR UPDATE SKIP LOCKED)
    UPDATE connections c
       SET lease_token = gen_random_uuid(), lease_expires_at = now() + make_interval(secs => ${leaseSeconds}::float8)
      FROM due WHERE c.id = due.id
    RETURNING c.id AS "connectionId", c.lease_token AS "leaseToken", c.refresh_token_ciphertext AS consumed,
              c.failure_count AS "failureCount", c.refresh_due_at AS "refreshDueAt"`;
}
