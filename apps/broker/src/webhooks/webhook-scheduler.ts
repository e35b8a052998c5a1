import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { BrokerConfig } from '#libs/config';
import { InjectConfig } from '../config/config.module.js';
import { ConnectionEvents } from '../connections/connection-events.js';
import { OwnedIntervals } from '../scheduling/owned-intervals.js';
import { WebhookOutboxRepository } from './webhook-outbox.repository.js';
import { WEBHOOK_EVENT_TYPES } from './webhook-payload.js';
import { WebhookSender } from './webhook-sender.js';

/** Picks up retries that came due and events recorded by other replicas whose sender is busy or gone. */
const POLL_MS = 1_000;
const HOUSEKEEPING_MS = 60 * 60_000;

/** Thin entry points of the webhook sender; active only when BROKER_WEBHOOK_URL is set. */
@Injectable()
export class WebhookScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookScheduler.name);
  private readonly intervals: OwnedIntervals;

  constructor(
    @InjectConfig() private readonly config: BrokerConfig,
    registry: SchedulerRegistry,
    private readonly sender: WebhookSender,
    private readonly outbox: WebhookOutboxRepository,
    private readonly events: ConnectionEvents,
  ) {
    this.intervals = new OwnedIntervals(registry);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.webhook) return;
    await this.reportBacklog();
    this.intervals.every('webhook-deliveries', POLL_MS, () => this.sender.run());
    this.intervals.every('webhook-housekeeping', HOUSEKEEPING_MS, () => this.housekeeping());
    // The change's transaction wrote the event; deliver it now rather than at the next poll.
    this.events.on(({ type }) => {
      if (WEBHOOK_EVENT_TYPES.includes(type)) void this.sender.run();
    });
    void this.sender.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.intervals.stop();
    await this.sender.stop();
  }

  /** Events left from before a restart (or a receiver outage) are worth a line in the start-up log. */
  private async reportBacklog(): Promise<void> {
    try {
      const pending = await this.outbox.countPending();
      if (pending > 0) this.logger.log({ pending }, 'webhook events waiting for delivery');
    } catch (error) {
      this.logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'could not count waiting webhook events',
      );
    }
  }

  async housekeeping(): Promise<void> {
    try {
      await this.outbox.purgeFinished();
    } catch (error) {
      this.logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'webhook housekeeping failed',
      );
    }
  }
}
