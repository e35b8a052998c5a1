import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { BrokerConfig } from '#libs/config';
import { InjectConfig } from '../config/config.module.js';
import { ConnectionEvents } from '../connections/connection-events.js';
import { OAuthAttemptsRepository } from '../oauth/oauth-attempts.repository.js';
import { OwnedIntervals } from '../scheduling/owned-intervals.js';
import { RefreshPump } from './refresh-pump.js';
import { UnrenewableConnectionsRepository } from './unrenewable-connections.repository.js';

const HOUSEKEEPING_MS = 60_000;

/**
 * The background refresher's entry points, kept thin: every tick hands over to the pump, every
 * minute the housekeeping runs. `REFRESH_SCHEDULER=off` leaves a replica serving only; any number
 * of replicas may run it, they share the work through the database.
 */
@Injectable()
export class RefreshScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RefreshScheduler.name);
  private readonly intervals: OwnedIntervals;

  constructor(
    @InjectConfig() private readonly config: BrokerConfig,
    registry: SchedulerRegistry,
    private readonly pump: RefreshPump,
    private readonly unrenewable: UnrenewableConnectionsRepository,
    private readonly attempts: OAuthAttemptsRepository,
    private readonly events: ConnectionEvents,
  ) {
    this.intervals = new OwnedIntervals(registry);
  }

  onApplicationBootstrap(): void {
    if (!this.config.refresh.schedulerEnabled) {
      this.logger.log('background refresher is off on this replica (REFRESH_SCHEDULER=off)');
      return;
    }
    this.intervals.every('refresh-due-connections', this.config.refresh.tickMs, () => this.pump.run());
    this.intervals.every('refresh-housekeeping', HOUSEKEEPING_MS, () => this.housekeeping());
    void this.pump.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.intervals.stop();
    await this.pump.drain();
  }

  async housekeeping(): Promise<void> {
    try {
      for (const { id, lastError } of await this.unrenewable.markReauthRequired()) {
        this.logger.warn({ connectionId: id, reason: lastError }, 'connection needs re-authorization');
        this.events.emit('connection.reauth_required', id, lastError);
      }
      await this.attempts.deleteExpired();
    } catch (error) {
      this.logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'housekeeping failed',
      );
    }
  }
}
