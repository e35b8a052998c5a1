export interface TokenBucketLimit {
  /** Tokens added per second; may be fractional. */
  perSecond: number;
  /** Bucket size: how many requests may come at once after a quiet spell. */
  burst: number;
}

interface Bucket {
  tokens: number;
  /** Clock reading of the last take, in ms. */
  at: number;
}

/** Even if every bucket is busy, memory stays bounded; keys are authenticated, so this is never reached in practice. */
const DEFAULT_MAX_BUCKETS = 100_000;

/**
 * One token bucket per key, O(1) per take. The map is kept in order of last use (every take moves
 * its key to the end), so buckets idle long enough to have refilled sit at the front and are dropped
 * there: a full bucket behaves exactly like a missing one, so evicting it changes no decision.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;
  /** After this long without a take, any bucket is full again. */
  private readonly refillMs: number;

  constructor(
    private readonly limit: TokenBucketLimit,
    /** Milliseconds from a monotonic clock: wall-clock jumps must neither block nor free anyone. */
    private readonly now: () => number = () => performance.now(),
    private readonly maxBuckets = DEFAULT_MAX_BUCKETS,
  ) {
    if (!(limit.perSecond > 0) || !(limit.burst >= 1)) {
      throw new RangeError('a token bucket needs perSecond > 0 and burst >= 1');
    }
    this.perMs = limit.perSecond / 1000;
    this.refillMs = limit.burst / this.perMs;
  }

  /** Takes one token for `key`. Returns 0 if it was taken, else the milliseconds until one is available. */
  take(key: string): number {
    const now = this.now();
    const bucket = this.buckets.get(key);
    let tokens = this.limit.burst;
    if (bucket) {
      tokens = Math.min(this.limit.burst, bucket.tokens + (now - bucket.at) * this.perMs);
      this.buckets.delete(key);
    }
    const taken = tokens >= 1;
    if (taken) tokens -= 1;
    this.buckets.set(key, { tokens, at: now });
    this.evictIdle(now);
    return taken ? 0 : (1 - tokens) / this.perMs;
  }

  get size(): number {
    return this.buckets.size;
  }

  /** Amortised O(1): each bucket is dropped at most once, and the scan stops at the first busy one. */
  private evictIdle(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (now - bucket.at < this.refillMs && this.buckets.size <= this.maxBuckets) return;
      this.buckets.delete(key);
    }
  }
}
