import { Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry } from 'prom-client';
import type { DecryptionFailure } from '#libs/crypto';
import { type ConnectionEvent, ConnectionEvents } from '../connections/connection-events.js';

const OUTCOME_OF_EVENT: Partial<Record<ConnectionEvent['type'], string>> = {
  'connection.refreshed': 'success',
  'connection.refresh_failed': 'transient_failure',
  // Also a refresh token found expired by the housekeeping: it can never be spent either.
  'connection.reauth_required': 'reauth_required',
};

const DECRYPTION_FAILURES: readonly DecryptionFailure[] = [
  'unknown_key',
  'authentication_failed',
  'malformed',
  'unsupported_version',
];

const EVENT_TYPES: readonly ConnectionEvent['type'][] = [
  'connection.connected',
  'connection.disconnected',
  'connection.refreshed',
  'connection.refresh_failed',
  'connection.reauth_required',
  'connection.recovered',
];

/**
 * The refresher's numbers. Outcomes are read off the connection events (emitted once, on the
 * replica that did the work), so the refresh code needs no metric calls of its own. Reported
 * directly: the lag of a scheduled start (by the pump, the one place that knows it), and a refresh
 * set aside before it started (no connection event: no refresh was attempted).
 */
@Injectable()
export class RefreshMetrics {
  private readonly lag: Histogram;
  private readonly unreadable: Counter<'reason'>;

  constructor(registry: Registry, events: ConnectionEvents) {
    const refreshes = new Counter({
      name: 'broker_refreshes_total',
      help: 'Token refreshes done by this instance (scheduled and on demand) by outcome',
      labelNames: ['outcome'] as const,
      registers: [registry],
    });
    const lifecycle = new Counter({
      name: 'broker_connection_events_total',
      help: 'Connection lifecycle events that happened on this instance',
      labelNames: ['event'] as const,
      registers: [registry],
    });
    for (const outcome of new Set(Object.values(OUTCOME_OF_EVENT))) refreshes.inc({ outcome }, 0);
    for (const event of EVENT_TYPES) lifecycle.inc({ event }, 0);
    this.lag = new Histogram({
      name: 'broker_refresh_lag_seconds',
      help: 'How late a scheduled refresh started, in seconds past its due time',
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers: [registry],
    });
    this.unreadable = new Counter({
      name: 'broker_refresh_tokens_unreadable_total',
      help: 'Refreshes set aside because no configured encryption key opens the refresh token, by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    });
    for (const reason of DECRYPTION_FAILURES) this.unreadable.inc({ reason }, 0);
    events.on(({ type }) => {
      lifecycle.inc({ event: type });
      const outcome = OUTCOME_OF_EVENT[type];
      if (outcome) refreshes.inc({ outcome });
    });
  }

  /** A refresh was set aside: its refresh token could not be decrypted (a missing or wrong key). */
  refreshTokenUnreadable(reason: DecryptionFailure): void {
    this.unreadable.inc({ reason });
  }

  /** A scheduled refresh of a row due at `dueAt` starts now. Replica clocks are assumed NTP-close. */
  scheduledStart(dueAt: Date | null, now = Date.now()): void {
    if (dueAt) this.lag.observe(Math.max(0, (now - dueAt.getTime()) / 1000));
  }
}
