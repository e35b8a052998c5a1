import { Injectable, Logger } from '@nestjs/common';
import type { BrokerConfig } from '#libs/config';
import { InjectConfig } from '../config/config.module.js';
import { type WebhookClaim, WebhookOutboxRepository } from './webhook-outbox.repository.js';
import { shouldGiveUp, webhookRetryDelayMs } from './webhook-retry.js';
import { postWebhook } from './webhook-transport.js';

/** Events posted in parallel per batch; a slow receiver holds at most this many sockets per replica. */
const BATCH_SIZE = 20;
/** Beyond the HTTP timeout, so a live attempt always finishes (and records its outcome) inside its lease. */
const LEASE_MARGIN_MS = 10_000;

/**
 * Posts due outbox events to the webhook. Runs in the background on every replica (they share the
 * work through the outbox's SKIP LOCKED claims); nothing on the refresh or request path ever waits
 * for it. Passes never overlap within a process.
 */
@Injectable()
export class WebhookSender {
  private readonly logger = new Logger(WebhookSender.name);
  private readonly stopping = new AbortController();
  private last: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;

  constructor(
    @InjectConfig() private readonly config: BrokerConfig,
    private readonly outbox: WebhookOutboxRepository,
  ) {}

  /**
   * Sends what is due. Callers join a pass that has not started yet, or queue one behind the running
   * pass: whoever calls gets a pass that began after the call (so a just-recorded event is seen),
   * and bursts of calls cost one pass, not one each.
   */
  run(): Promise<void> {
    if (!this.queued) {
      const next = this.last.then(() => {
        this.queued = undefined;
        return this.pass();
      });
      this.queued = next;
      this.last = next;
    }
    return this.queued;
  }

  /** Interrupts posts in flight (their events are retried later, here or elsewhere) and waits for the pass. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.last;
  }

  private async pass(): Promise<void> {
    const target = this.config.webhook;
    if (!target || this.stopping.signal.aborted) return;
    try {
      for (;;) {
        const claims = await this.outbox.claimDue(BATCH_SIZE, target.timeoutMs + LEASE_MARGIN_MS);
        await Promise.all(claims.map((claim) => this.deliver(claim, target)));
        if (claims.length < BATCH_SIZE || this.stopping.signal.aborted) return;
      }
    } catch (error) {
      // The database is away: leases run out and the next pass (on any replica) picks the events up.
      this.logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'webhook delivery pass failed',
      );
    }
  }

  private async deliver(claim: WebhookClaim, target: NonNullable<BrokerConfig['webhook']>): Promise<void> {
    const result = await postWebhook(target, claim, this.stopping.signal);
    const context = { eventId: claim.id, type: claim.type, attempt: claim.attempts };
    if (result.ok) {
      await this.outbox.markDelivered(claim);
      this.logger.log({ ...context, status: result.status }, 'webhook delivered');
      return;
    }
    const delayMs = webhookRetryDelayMs(claim.attempts);
    if (shouldGiveUp(claim.attempts, claim.createdAt, new Date(Date.now() + delayMs), target)) {
      await this.outbox.markDead(claim, result.error);
      this.logger.error({ ...context, err: result.error }, 'webhook given up after its last attempt');
      return;
    }
    await this.outbox.reschedule(claim, result.error, delayMs);
    this.logger.warn(
      { ...context, err: result.error, retryInMs: Math.round(delayMs) },
      'webhook delivery failed, will retry',
    );
  }
}
