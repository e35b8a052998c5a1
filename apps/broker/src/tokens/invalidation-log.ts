/**
 * Which connections were invalidated since a given moment, so that a database read which began
 * before an invalidation (and so may hold the row as it was) is not cached after it.
 *
 * It is PrincipalCache's epoch, kept per connection: every replica hears of every refresh of every
 * connection, hundreds a second with many connections, and one epoch for all of them would refuse
 * most reads' results. The log remembers the latest invalidation of up to `capacity` connections;
 * forgetting one raises `floor`, below which it can no longer tell, and so refuses every read that
 * began before it. Memory stays bounded, and an answer is never wrongly "unchanged".
 */
export class InvalidationLog {
  private generation = 0;
  private floor = 0;
  /** Connection id to the generation of its latest invalidation, oldest first. */
  private readonly latest = new Map<string, number>();

  constructor(private readonly capacity: number) {}

  /** Read before a database read begins; hand it to `unchangedSince` with the read's result. */
  get epoch(): number {
    return this.generation;
  }

  record(connectionId: string): void {
    this.generation++;
    // Re-inserted last, so the map stays ordered by generation and its first entry is the oldest.
    this.latest.delete(connectionId);
    this.latest.set(connectionId, this.generation);
    if (this.latest.size > this.capacity) {
      const [oldestId, oldest] = this.latest.entries().next().value!;
      this.latest.delete(oldestId);
      this.floor = oldest;
    }
  }

  /** Every connection at once (notices may have been missed). */
  recordAll(): void {
    this.generation++;
    this.latest.clear();
    this.floor = this.generation;
  }

  /** True when the connection has not been invalidated since `epoch` was read. */
  unchangedSince(connectionId: string, epoch: number): boolean {
    if (epoch < this.floor) return false;
    return (this.latest.get(connectionId) ?? 0) <= epoch;
  }
}
