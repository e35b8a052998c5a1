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
 * start (other replicas take it instead), and a finished refresh pulls the next due row at once
 * while a backlog lasts. (Refreshes that finish while a claim is on its way start none of their
 * own, so at 445 refreshes/s a claim takes about 4 rows; docs/benchmarks.md.)
 */
@Injectable()
export class RefreshPump {
  private readonly logger = new Logger(RefreshPump.name);
  private running = 0;
  private pumping = false;
  private backlog = false;
  private draining = false;
  /** The pass in progress: a claim on its way may still start refreshes. */
  private current: Promise<void> | undefined;
  private readonly active = new Set<Promise<unknown>>();

  constructor(
    @InjectConfig() private readonly config: BrokerConfig,
    private readonly refreshes: RefreshRepository,
    private readonly refresher: TokenRefresher,
    private readonly metrics: RefreshMetrics,
  ) {}

  get inProgress(): number {
    return this.running;
  }

  async run(): Promise<void> {
    if (this.pumping || this.draining) return;
    this.pumping = true;
    this.current = this.pass();
    await this.current;
  }

  private async pass(): Promise<void> {
    const deadline = Date.now() + TICK_BUDGET_MS;
    try {
      do {
        if (this.draining) return;
        const free = this.config.refresh.concurrency - this.running;
        if (free <= 0) return;
        const { claims, setAside } = await this.refreshes.claimDue(free, this.refresher.leaseMs);
        this.backlog = claims.length + setAside.length === free;
        for (const row of setAside) this.refresher.reportSetAside(row);
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

  /**
   * Stops claiming and waits for every refresh it started, including those of a claim that was on
   * its way: each may hold rotated tokens not yet stored, and the database must outlive them (a
   * refresh started behind the drain's back was cut off by the exit after spending its refresh
   * token, and the connection lost its only valid one).
   */
  async drain(): Promise<void> {
    this.draining = true;
    await this.idle();
  }

  /** Waits for the current pass and every refresh it started, without stopping the pump. */
  async idle(): Promise<void> {
    await this.current;
    while (this.active.size) await Promise.allSettled([...this.active]);
  }

  private start(refresh: Promise<unknown>): void {
    this.running++;
    const tracked = refresh
      .catch(() => undefined) // outcomes are recorded on the row and logged by the refresher
      .finally(() => {
        this.running--;
        this.active.delete(tracked);
        if (this.backlog) void this.run();
      });
    this.active.add(tracked);
  }
}
