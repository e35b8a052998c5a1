/**
 * Key lookups one replica runs against Postgres at a time, for keys it has never accepted. Well
 * below the pool's 10 connections, so that the token path, the refresher and readiness always
 * find one free however many made-up keys arrive; an indexed lookup takes about a millisecond, so
 * four at a time still checks thousands of new keys a second.
 */
export const KEY_LOOKUP_CONCURRENCY = 4;
/**
 * Lookups that may wait for a turn. Enough for a burst of genuine first requests (a replica that
 * just started knows no key yet; concurrent requests with one key share one lookup); beyond it a
 * request is answered at once instead of piling up behind a flood.
 */
export const KEY_LOOKUP_QUEUE = 64;

/**
 * A counting semaphore with a bounded queue. `tryRun` decides synchronously: it starts or queues
 * the lookup, or returns undefined when the queue is full, so a refused request costs nothing.
 */
export class KeyLookupGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly concurrency = KEY_LOOKUP_CONCURRENCY,
    private readonly queueLimit = KEY_LOOKUP_QUEUE,
  ) {}

  tryRun<T>(lookup: () => Promise<T>): Promise<T> | undefined {
    if (this.running < this.concurrency) {
      this.running++;
      return this.runHoldingSlot(lookup);
    }
    if (this.waiting.length >= this.queueLimit) return undefined;
    return new Promise<void>((resolve) => this.waiting.push(resolve)).then(() => this.runHoldingSlot(lookup));
  }

  private async runHoldingSlot<T>(lookup: () => Promise<T>): Promise<T> {
    try {
      return await lookup();
    } finally {
      // The slot passes straight to the next waiter, so `running` never dips while some wait.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
