import type { Principal } from './principal.js';

/** A cached answer: the principal of a key Postgres knows (rejected keys live in RejectedKeys). */
export interface CachedPrincipal {
  principal: Principal;
  /** False once the TTL has passed: look the key up again, but the entry is kept as a fallback. */
  fresh: boolean;
}

interface Entry {
  principal: Principal;
  expiresAt: number;
}

/**
 * Principals of keys found valid, by key hash, with a TTL and a size bound. Expired entries are kept
 * (up to the bound) so that a key already seen keeps working while Postgres is unreachable. Only
 * keys Postgres knows get in, so nothing a client makes up can take a valid key's place.
 *
 * `epoch` guards against a lookup racing an invalidation: a lookup that started before a revocation
 * may read the old row and finish after the invalidation ran; its result is only stored when no
 * invalidation happened since it started.
 */
export class PrincipalCache {
  private readonly entries = new Map<string, Entry>();
  private generation = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  get epoch(): number {
    return this.generation;
  }

  get size(): number {
    return this.entries.size;
  }

  get(keyHash: string): CachedPrincipal | undefined {
    const entry = this.entries.get(keyHash);
    return entry && { principal: entry.principal, fresh: Date.now() < entry.expiresAt };
  }

  /** Stores a lookup result unless an invalidation happened after the lookup began (`epoch`). */
  set(keyHash: string, principal: Principal, epoch: number): void {
    if (epoch !== this.generation) return;
    this.entries.delete(keyHash); // re-inserted last: eviction takes the least recently refreshed entry
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(keyHash, { principal, expiresAt: Date.now() + this.ttlMs });
  }

  /** Forgets one key, found revoked by a lookup: its stale entry must not serve during an outage. */
  delete(keyHash: string): void {
    this.entries.delete(keyHash);
  }

  /** Forgets the key with this id (revoked or changed on some replica). */
  invalidateKey(keyId: string): void {
    this.generation++;
    for (const [hash, entry] of this.entries) {
      if (entry.principal.keyId === keyId) this.entries.delete(hash);
    }
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }
}
