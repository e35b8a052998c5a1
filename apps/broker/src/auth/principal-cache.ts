import type { Principal } from './principal.js';

/** A cached answer: the key's principal, or null for a key that is unknown or revoked. */
export interface CachedPrincipal {
  principal: Principal | null;
  /** False once the TTL has passed: look the key up again, but the entry is kept as a fallback. */
  fresh: boolean;
}

interface Entry {
  principal: Principal | null;
  expiresAt: number;
}

/**
 * API-key lookups by key hash, with a TTL and a size bound. Expired entries are kept (up to the bound)
 * so that a key already seen keeps working while Postgres is unreachable.
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
  set(keyHash: string, principal: Principal | null, epoch: number): void {
    if (epoch !== this.generation) return;
    this.entries.delete(keyHash); // re-inserted last: eviction takes the least recently refreshed entry
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(keyHash, { principal, expiresAt: Date.now() + this.ttlMs });
  }

  /** Forgets the key with this id (revoked or changed on some replica). */
  invalidateKey(keyId: string): void {
    this.generation++;
    for (const [hash, entry] of this.entries) {
      if (entry.principal?.keyId === keyId) this.entries.delete(hash);
    }
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }
}
