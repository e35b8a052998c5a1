import { Injectable } from '@nestjs/common';
import { ChangeFeed } from '../change-feed/change-feed.service.js';
import { ConnectionEvents } from '../connections/connection-events.js';
import type { UsableCredential } from '../connections/connection.types.js';

/**
 * Decrypted credentials by connection id, so a token read costs no database round trip and no
 * decryption. Entries are dropped the moment any replica reports a change of the connection, and
 * all of them when the change feed reconnects (notices sent while it was away are lost).
 */
@Injectable()
export class TokenCache {
  private readonly entries = new Map<string, UsableCredential>();

  constructor(events: ConnectionEvents, feed: ChangeFeed) {
    events.onChange((id) => this.entries.delete(id));
    feed.onResync(() => this.entries.clear());
  }

  get(connectionId: string): UsableCredential | undefined {
    return this.entries.get(connectionId);
  }

  /** Never lets an older version replace a newer one that a concurrent read already cached. */
  set(credential: UsableCredential): void {
    const current = this.entries.get(credential.connectionId);
    if (!current || current.version <= credential.version)
      this.entries.set(credential.connectionId, credential);
  }

  get size(): number {
    return this.entries.size;
  }
}
