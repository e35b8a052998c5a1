import { Injectable, Logger } from '@nestjs/common';
import { Gauge, Registry } from 'prom-client';
import { ConnectionStatus, ConnectionType, PrismaService } from '#libs/database';
import { SharedAnswer } from '../caching/shared-answer.js';
import { ChangeFeed } from '../change-feed/change-feed.service.js';
import { type ConnectionCount, ConnectionCountsRepository } from './connection-counts.repository.js';

/** A scrape must answer even when Postgres hangs; Prometheus gives up after 10 s by default. */
const COUNT_TIMEOUT_MS = 2_000;
/**
 * `/metrics` is unauthenticated: however many scrapers hit it at once, they share one count, and
 * a count is reused for a second (Prometheus scrapes every 15 s or so, so no dashboard notices).
 */
export const CONNECTION_COUNTS_MAX_AGE_MS = 1_000;

/**
 * Gauges read at scrape time rather than kept up to date: nothing on the request path pays for them.
 */
@Injectable()
export class StateGauges {
  private readonly logger = new Logger(StateGauges.name);
  private readonly connections: Gauge<'type' | 'status'>;
  private readonly counts: SharedAnswer<ConnectionCount[]>;

  constructor(
    registry: Registry,
    prisma: PrismaService,
    feed: ChangeFeed,
    counts: ConnectionCountsRepository,
  ) {
    this.counts = new SharedAnswer(
      () => withTimeout(counts.countByTypeAndStatus(), COUNT_TIMEOUT_MS),
      CONNECTION_COUNTS_MAX_AGE_MS,
    );
    const registers = [registry];
    this.connections = new Gauge({
      name: 'broker_connections',
      help: 'Connections in the database by type and status (the same on every instance: aggregate with max)',
      labelNames: ['type', 'status'] as const,
      registers,
      collect: () => this.collectConnections(),
    });
    const { pool } = prisma;
    const poolGauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect(this: Gauge) {
          this.set(read());
        },
      });
    poolGauge(
      'broker_db_pool_connections',
      'Open connections of the database pool (idle and in use)',
      () => pool.totalCount,
    );
    poolGauge(
      'broker_db_pool_idle_connections',
      'Idle connections of the database pool',
      () => pool.idleCount,
    );
    poolGauge(
      'broker_db_pool_waiting_requests',
      'Queries waiting for a free database pool connection',
      () => pool.waitingCount,
    );
    poolGauge(
      'broker_db_pool_max_connections',
      'Size limit of the database pool',
      () => pool.options.max ?? 10,
    );
    poolGauge(
      'broker_change_feed_up',
      '1 while the change-feed listener (cross-instance cache invalidation) is connected, else 0',
      () => (feed.healthy ? 1 : 0),
    );
  }

  /** Without the database the series are dropped, not left at stale values; the scrape still succeeds. */
  private async collectConnections(): Promise<void> {
    const gauge = this.connections;
    let rows;
    try {
      rows = await this.counts.get();
    } catch (error) {
      gauge.reset();
      this.logger.debug(
        { err: error instanceof Error ? error.message : String(error) },
        'counting connections failed',
      );
      return;
    }
    for (const type of Object.values(ConnectionType)) {
      for (const status of Object.values(ConnectionStatus)) gauge.set({ type, status }, 0);
    }
    for (const { type, status, count } of rows) gauge.set({ type, status }, count);
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
