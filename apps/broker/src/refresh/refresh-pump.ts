import { Injectable, Logger } from '@nestjs/common';
import type { BrokerConfig } from '#libs/config';
import { InjectConfig } from '../config/config.module.js';
import { RefreshMetrics } from '../metrics/refresh-metrics.js';
import { RefreshRepository } from './refresh.repository.js';
import { TokenRefresher } from './token-refresher.service.js';

/** How long one tick may keep claiming batches, so a backlog never starves the event loop. */
const TICK_BUDGET_MS = 500;

/**
 * Moves due connections from the database into a bounded number of concurrent refreshes. Each tick
 * claims only as many rows as it has free slots, so a replica never holds leases on work it cannot
 * start (other replicas take it instead). While a backlog lasts, finished refreshes pull the next
 * due rows without waiting for the tick, a batch at a time: one claim per quarter of the slots
 * rather than one per finished refresh, since every claim is a round trip and a commit (at 100,000
 * connections, one claim per refresh was a third of the database's commits; docs/benchmarks.md).
 */
@Injectable()
export class RefreshPump {
  private readonly logger = new Logger(RefreshPump.name);
  private running = 0;
  private pumping = false;
  private backlog = false;
  private readonly active = new Set<Promise<unknown>>();

  constructor(
    @InjectConfig() private readonly config: BrokerConfig,
    private readonly refreshes: RefreshRepository,
    private readonly refresher: TokenRefresher,
    private readonly metrics: RefreshMetrics,
  ) {}

  /** Free slots a backlog waits for before it claims again (one claim per this many refreshes). */
  private get refillBatch(): number {
    return Math.max(1, Math.floor(this.config.refresh.concurrency / 4));
  }

  get inProgress(): number {
    return this.running;
  }

  async run(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    const deadline = Date.now() + TICK_BUDGET_MS;
    try {
      do {
        const free = this.config.refresh.concurrency - this.running;
        if (free <= 0) return;
        const claims = await this.refreshes.claimDue(free, this.refresher.leaseMs);
        this.backlog = claims.length === free;
        for (const claim of claims) {
          this.metrics.scheduledStart(claim.refreshDueAt);
          this.start(this.refresher.refreshClaimed(claim));
        }
      } while (this.backlog && Date.now() < deadline);
    } catch (error) {
      // The database is away: the next tick tries again; valid tokens keep being served meanwhile.
      this.logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'claiming due refreshes failed',
      );
    } finally {
      this.pumping = false;
    }
  }

  /** Waits for started refreshes (they may hold rotated tokens not yet stored). */
  async drain(): Promise<void> {
    await Promise.allSettled(this.active);
  }

  private start(refresh: Promise<unknown>): void {
    this.running++;
    const tracked = refresh
      .catch(() => undefined) // outcomes are recorded on the row and logged by the refresher
      .finally(() => {
        this.running--;
        this.active.delete(tracked);
        if (this.backlog && this.config.refresh.concurrency - this.running >= this.refillBatch)
          void this.run();
      });
    this.active.add(tracked);
  }
}
