/**
 * Hashes of keys Postgres has found valid on this replica, kept when the PrincipalCache is emptied
 * (a change-feed resync clears it). They never admit a key: they only let its revalidation skip the
 * KeyLookupGate, so that after a resync (or while a flood of made-up keys fills the gate) a key this
 * replica has served before is checked at once instead of queueing behind the flood. Only lookups
 * that found a valid key add to it, so nothing a client makes up gets in.
 */
export class AcceptedKeys {
  private readonly hashes = new Set<string>();

  constructor(private readonly maxEntries: number) {}

  has(keyHash: string): boolean {
    return this.hashes.has(keyHash);
  }

  add(keyHash: string): void {
    this.hashes.delete(keyHash); // re-inserted last: eviction takes the longest unconfirmed
    this.hashes.add(keyHash);
    if (this.hashes.size > this.maxEntries) this.hashes.delete(this.hashes.values().next().value!);
  }

  delete(keyHash: string): void {
    this.hashes.delete(keyHash);
  }
}
