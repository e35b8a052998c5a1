import { performance } from 'node:perf_hooks';
import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { PrismaService } from '#libs/database';

/** Often enough that an outage longer than a couple of seconds is always noticed (lease-rule.ts). */
const HEARTBEAT_MS = 1_000;
/** A probe not answered by then counts as the database being away (a dead network sends no error). */
const PROBE_TIMEOUT_MS = 2_000;
/** query_timeout also makes the pool drop the connection of a probe that hangs. */
const PROBE = { text: 'SELECT clock_timestamp() AS now', query_timeout: PROBE_TIMEOUT_MS };

/**
 * Whether this process reaches Postgres, and since when without a break: the clock the lease rule's
 * takeover grace runs on (lease-rule.ts, invariant 2). A probe (the database clock) every second on the broker's own
 * pool, on every replica (one whose scheduler is off still claims on demand), and at once whenever a
 * refresher write fails. The first answer after start counts as regaining the database: a process
 * cannot know what it missed before it ran.
 */
@Injectable()
export class DatabaseAvailability implements OnApplicationBootstrap, OnApplicationShutdown {
  /** performance.now() of the first answer after the last failure; undefined while away (or before the first). */
  private upSince: number | undefined;
  private probing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly waiters = new Set<() => void>();
  /**
   * The database clock minus this process's, from the last probe (taken at its answer: off by at
   * most the probe's round trip, far below the takeover window it serves).
   */
  clockOffsetMs = 0;

  constructor(private readonly prisma: PrismaService) {}

  onApplicationBootstrap(): void {
    void this.probe();
    this.timer = setInterval(() => void this.probe(), HEARTBEAT_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** True if the database has answered without a break for at least `ms`. */
  upFor(ms: number): boolean {
    return this.upSince !== undefined && performance.now() - this.upSince >= ms;
  }

  /**
   * After a failed query: asks the database now, and resolves once it answers (at once if it does),
   * at the latest after `maxWaitMs`.
   */
  recheck(maxWaitMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timeout);
        this.waiters.delete(done);
        resolve();
      };
      const timeout = setTimeout(done, maxWaitMs);
      this.waiters.add(done);
      void this.probe();
    });
  }

  /** One probe at a time: a hanging one must not pile up pool connections behind it. */
  private probe(): Promise<void> {
    this.probing ??= this.ask().finally(() => (this.probing = undefined));
    return this.probing;
  }

  private async ask(): Promise<void> {
    const late = setTimeout(() => (this.upSince = undefined), PROBE_TIMEOUT_MS).unref();
    try {
      const { rows } = await this.prisma.pool.query<{ now: Date }>(PROBE);
      this.clockOffsetMs = rows[0]!.now.getTime() - Date.now();
      this.upSince ??= performance.now();
      for (const wake of [...this.waiters]) wake();
    } catch {
      this.upSince = undefined;
    } finally {
      clearTimeout(late);
    }
  }
}
