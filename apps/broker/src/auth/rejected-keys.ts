/**
 * Hashes of keys Postgres called unknown or revoked, remembered for a moment so that a client
 * repeating a bad key costs no lookup and gets its 401 at once.
 *
 * Kept apart from the PrincipalCache on purpose: anyone can make up keys, so if rejected keys
 * shared one bound with valid ones, a flood of made-up keys would push every valid principal out
 * and send each of their requests back to Postgres. Here they only push out each other.
 *
 * Nothing ever invalidates an entry early, and nothing needs to: a revocation only turns keys into
 * rejected ones; a new key's secret does not exist before its row is committed and handed out, so
 * no replica can have rejected it beforehand. What remains (a restored backup bringing a key back)
 * is covered by the short TTL, as a lost revocation notice is covered by the PrincipalCache's.
 */
export class RejectedKeys {
  /** Key hash to expiry. One TTL for all, so insertion order is expiry order: the first entry goes first. */
  private readonly expiries = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  get size(): number {
    return this.expiries.size;
  }

  /** Whether `keyHash` was rejected less than the TTL ago. An expired entry is dropped, not trusted. */
  has(keyHash: string): boolean {
    const expiresAt = this.expiries.get(keyHash);
    if (expiresAt === undefined) return false;
    if (Date.now() < expiresAt) return true;
    this.expiries.delete(keyHash);
    return false;
  }

  add(keyHash: string): void {
    this.expiries.delete(keyHash); // re-inserted last, so the order stays the order of expiry
    if (this.expiries.size >= this.maxEntries) {
      const soonest = this.expiries.keys().next();
      if (!soonest.done) this.expiries.delete(soonest.value);
    }
    this.expiries.set(keyHash, Date.now() + this.ttlMs);
  }
}
