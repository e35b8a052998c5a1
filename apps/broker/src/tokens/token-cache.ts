import { Injectable } from '@nestjs/common';
import { ChangeFeed } from '../change-feed/change-feed.service.js';
import { ConnectionEvents } from '../connections/connection-events.js';
import type { UsableCredential } from '../connections/connection.types.js';
import { InvalidationLog } from './invalidation-log.js';

export interface CachedCredential {
  readonly credential: UsableCredential;
  /**
   * When Postgres was last asked about it (Date.now()): when the read that returned it began (the
   * row is at least that recent), or when a later read of it failed (see `rearm`).
   */
  readonly checkedAt: number;
}

/** A database read of a credential, begun: what `set` needs to tell whether its result is current. */
export interface CredentialRead {
  readonly epoch: number;
  readonly startedAt: number;
}

/**
 * How long a cached credential is trusted while the change feed is down and no notice can reach
 * this replica: a disconnect or revocation elsewhere is honoured within 2 s (README, Scaling out)
 * also then, as the API-key cache's 1 s bound honours a revoked key.
 */
const UNHEARD_TRUST_MS = 1_000;

/** Connections whose latest invalidation is remembered (see InvalidationLog): ~1 MB, seconds of notices. */
const INVALIDATION_LOG_CAPACITY = 10_000;

/**
 * Decrypted credentials by connection id, so a token read costs no database round trip and no
 * decryption. Entries are dropped the moment any replica reports a change of the connection, and
 * all of them when the change feed reconnects (notices sent while it was away are lost); while it is
 * away, entries older than UNHEARD_TRUST_MS are no longer current.
 *
 * A read from the database that began before a change was reported may still hold the row as it was
 * (a disconnected PAT, which never expires): `set` refuses it then (see InvalidationLog).
 */
@Injectable()
export class TokenCache {
  private readonly entries = new Map<string, CachedCredential>();
  private readonly invalidations = new InvalidationLog(INVALIDATION_LOG_CAPACITY);

  constructor(
    events: ConnectionEvents,
    private readonly feed: ChangeFeed,
  ) {
    events.onChange((id) => {
      this.invalidations.record(id);
      this.entries.delete(id);
    });
    feed.onResync(() => {
      this.invalidations.recordAll();
      this.entries.clear();
    });
  }

  /** Call before a database read of a credential begins; pass the result to `set` with what was read. */
  beginRead(): CredentialRead {
    return { epoch: this.invalidations.epoch, startedAt: Date.now() };
  }

  /** Also an entry no longer `current`: it is still the token to serve while Postgres is away. */
  get(connectionId: string): CachedCredential | undefined {
    return this.entries.get(connectionId);
  }

  /** Whether the entry may be served without asking Postgres. O(1), allocates nothing: the hot path. */
  current(entry: CachedCredential, now: number): boolean {
    return this.feed.healthy || now - entry.checkedAt <= UNHEARD_TRUST_MS;
  }

  /**
   * Caches what a database read returned, unless the connection changed after the read began: the
   * read may then hold what the change replaced or deleted. Never lets an older version replace a
   * newer one that a concurrent read already cached.
   */
  set(credential: UsableCredential, read: CredentialRead): void {
    const id = credential.connectionId;
    if (!this.invalidations.unchangedSince(id, read.epoch)) return;
    const current = this.entries.get(id);
    if (!current || current.credential.version <= credential.version)
      this.entries.set(id, { credential, checkedAt: read.startedAt });
  }

  /**
   * A read of the connection failed (Postgres is away): nothing can be learned about it until
   * Postgres answers again, so the entry is current for another UNHEARD_TRUST_MS rather than every
   * read waiting for another failing one (as the API-key cache re-arms its entries). Only while the
   * entry still holds this credential: an invalidation or a newer read wins.
   */
  /** False: the entry was dropped (a change notice) since `credential` was read from it; do not serve it. */
  rearm(credential: UsableCredential): boolean {
    const id = credential.connectionId;
    if (this.entries.get(id)?.credential !== credential) return false;
    this.entries.set(id, { credential, checkedAt: Date.now() });
    return true;
  }

  get size(): number {
    return this.entries.size;
  }
}
