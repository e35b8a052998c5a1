import { Injectable } from '@nestjs/common';
import { PrismaService } from '#libs/database';

/** One attempt's right to post an event, until its lease runs out. */
export interface WebhookClaim {
  id: string;
  type: string;
  body: string;
  /** Including the attempt this claim is for. */
  attempts: number;
  createdAt: Date;
  leaseToken: string;
}

/** How long finished events are kept for inspection before housekeeping deletes them. */
const KEEP_DELIVERED = '7 days';
const KEEP_DEAD = '30 days';

/**
 * The outbox table. Concurrency rules, for any number of replicas sending:
 * - An attempt is claimed by one UPDATE over rows picked `FOR UPDATE SKIP LOCKED`, so replicas
 *   claiming together take disjoint rows without waiting on each other. The claim moves
 *   `next_attempt_at` to the end of a lease instead of holding a row lock during the HTTP call: no
 *   pooled connection is tied up while a slow receiver is waited for, and a replica that dies
 *   mid-attempt only delays the event until the lease ends (then another replica retries it).
 * - Outcomes are fenced by the lease token, so a sender whose lease ran out cannot overwrite the
 *   outcome of the attempt that replaced it (the receiver may then see the event twice; it
 *   de-duplicates on the event id).
 * - Only the oldest pending event of a connection is claimable, so a receiver sees each
 *   connection's events in order even when an earlier delivery needs retries.
 */
@Injectable()
export class WebhookOutboxRepository {
  constructor(private readonly prisma: PrismaService) {}

  async claimDue(limit: number, leaseMs: number): Promise<WebhookClaim[]> {
    return this.prisma.$queryRaw<WebhookClaim[]>`
      WITH due AS (
        SELECT e.id FROM webhook_events e
         WHERE e.status = 'pending' AND e.next_attempt_at <= now()
           AND NOT EXISTS (
             SELECT 1 FROM webhook_events earlier
              WHERE earlier.connection_id = e.connection_id AND earlier.status = 'pending'
                AND earlier.seq < e.seq)
         ORDER BY e.next_attempt_at
         LIMIT ${limit}
         FOR UPDATE SKIP LOCKED)
      UPDATE webhook_events w
         SET attempts = w.attempts + 1, lease_token = gen_random_uuid(),
             next_attempt_at = now() + make_interval(secs => ${leaseMs / 1000}::float8)
        FROM due WHERE w.id = due.id
      RETURNING w.id, w.type, w.body, w.attempts, w.created_at AS "createdAt", w.lease_token AS "leaseToken"`;
  }

  countPending(): Promise<number> {
    return this.prisma.webhookEvent.count({ where: { status: 'pending' } });
  }

  async markDelivered(claim: WebhookClaim): Promise<void> {
    await this.prisma.webhookEvent.updateMany({
      where: { id: claim.id, leaseToken: claim.leaseToken },
      data: { status: 'delivered', deliveredAt: new Date(), leaseToken: null, lastError: null },
    });
  }

  /** Due again after `delayMs`, on the database clock like the claim. */
  async reschedule(claim: WebhookClaim, lastError: string, delayMs: number): Promise<void> {
    await this.prisma.$executeRaw`
      UPDATE webhook_events
         SET next_attempt_at = now() + make_interval(secs => ${delayMs / 1000}::float8),
             lease_token = NULL, last_error = ${lastError}
       WHERE id = ${claim.id}::uuid AND lease_token = ${claim.leaseToken}::uuid`;
  }

  async markDead(claim: WebhookClaim, lastError: string): Promise<void> {
    await this.prisma.webhookEvent.updateMany({
      where: { id: claim.id, leaseToken: claim.leaseToken },
      data: { status: 'dead', leaseToken: null, lastError },
    });
  }

  /** Housekeeping: delivered and dead events are history once they are old enough. */
  async purgeFinished(): Promise<number> {
    return this.prisma.$executeRawUnsafe(
      `DELETE FROM webhook_events
        WHERE (status = 'delivered' AND created_at < now() - interval '${KEEP_DELIVERED}')
           OR (status = 'dead' AND created_at < now() - interval '${KEEP_DEAD}')`,
    );
  }
}
