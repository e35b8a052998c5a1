import { Injectable } from '@nestjs/common';
import { ChangeFeed } from '../change-feed/change-feed.service.js';

/**
 * Tells every replica, this one first, that a connection's credentials or status changed (refresh,
 * re-authorization needed, reconnect, disconnect), so token caches drop their copy.
 */
@Injectable()
export class ConnectionEvents {
  constructor(private readonly feed: ChangeFeed) {}

  onChange(listener: (connectionId: string) => void): void {
    this.feed.subscribe((notice) => {
      if (notice.kind === 'connection') listener(notice.id);
    });
  }

  changed(connectionId: string): void {
    // Locally at once, even if Postgres is away right now; other replicas through NOTIFY.
    this.feed.deliverLocally('connection', connectionId);
    this.feed.publish('connection', connectionId).catch(() => undefined);
  }
}
