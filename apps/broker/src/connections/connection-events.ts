import { Injectable, Logger } from '@nestjs/common';
import { ChangeFeed } from '../change-feed/change-feed.service.js';
import type { ConnectionView } from './connection.types.js';

export type ConnectionEventType =
  | 'connection.connected'
  | 'connection.disconnected'
  | 'connection.refreshed'
  | 'connection.refresh_failed'
  | 'connection.reauth_required'
  | 'connection.recovered';

/** Something that happened to a connection, on the replica where it happened. Never holds a secret. */
export interface ConnectionEvent {
  type: ConnectionEventType;
  connectionId: string;
  occurredAt: Date;
  /** A human-readable reason (e.g. the refresh error), safe to show and log. */
  reason?: string;
  /** The connection as it was, for events after which it can no longer be read (disconnected). */
  connection?: ConnectionSnapshot;
}

/** What listeners may tell others about a connection (webhooks): identity and state, never a secret. */
export type ConnectionSnapshot = Pick<
  ConnectionView,
  'id' | 'status' | 'sipgateUserId' | 'sipgateAccountId' | 'label'
>;

/**
 * The connection lifecycle, for two kinds of listeners:
 * - `on`: domain events, delivered once, on the replica where they happened (webhooks, metrics, audit);
 * - `onChange`: "this connection changed", delivered on every replica, this one first (cache invalidation).
 */
@Injectable()
export class ConnectionEvents {
  private readonly logger = new Logger(ConnectionEvents.name);
  private readonly listeners: ((event: ConnectionEvent) => void)[] = [];

  constructor(private readonly feed: ChangeFeed) {}

  on(listener: (event: ConnectionEvent) => void): void {
    this.listeners.push(listener);
  }

  onChange(listener: (connectionId: string) => void): void {
    this.feed.subscribe((notice) => {
      if (notice.kind === 'connection') listener(notice.id);
    });
  }

  emit(
    type: ConnectionEventType,
    connectionId: string,
    reason?: string,
    connection?: ConnectionSnapshot,
  ): void {
    const event = {
      type,
      connectionId,
      occurredAt: new Date(),
      ...(reason !== undefined && { reason }),
      ...(connection && { connection }),
    };
    if (type === 'connection.refreshed') this.changed(connectionId);
    // Every other change sent its notice in its own transaction (ConnectionChangeRecorder); this
    // replica drops its copy at once rather than when the notice comes back through Postgres.
    else if (type !== 'connection.refresh_failed') this.feed.deliverLocally('connection', connectionId);
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        // A failing listener (webhook, metrics) must never break a refresh or a connect.
        this.logger.error(
          { err: error instanceof Error ? error.message : String(error), type },
          'event listener failed',
        );
      }
    }
  }

  /**
   * Drops cached copies on every replica: locally at once (even if Postgres is away), elsewhere via
   * a NOTIFY after the fact. For a refresh only: its previous access token stays valid until it
   * expires, so a replica that misses this notice serves a valid token, just not the newest.
   */
  private changed(connectionId: string): void {
    this.feed.deliverLocally('connection', connectionId);
    this.feed.publish('connection', connectionId).catch(() => undefined);
  }
}
