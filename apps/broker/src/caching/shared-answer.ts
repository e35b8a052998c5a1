/**
 * One call shared by everyone who asks while it runs, and its outcome (a value or an error) reused
 * until it is `maxAgeMs` old. For reads that anyone may trigger as often as they like (scrapes,
 * probes): a burst of callers costs one query, and nobody is answered from older than `maxAgeMs`.
 * A failure is shared and kept like a value, so a database that is down is not asked again by every
 * caller, and the next answer after `maxAgeMs` tells whether it is back.
 */
export class SharedAnswer<T> {
  private latest: { answer: Promise<T>; settledAt?: number } | undefined;

  constructor(
    private readonly call: () => Promise<T>,
    private readonly maxAgeMs: number,
    /** Milliseconds from a monotonic clock: a wall-clock jump must not keep an answer forever. */
    private readonly now: () => number = () => performance.now(),
  ) {}

  get(): Promise<T> {
    const latest = this.latest;
    // An answer still on its way is always joined: a second call would be the stampede this prevents.
    if (latest && (latest.settledAt === undefined || this.now() - latest.settledAt < this.maxAgeMs)) {
      return latest.answer;
    }
    const entry: { answer: Promise<T>; settledAt?: number } = { answer: this.call() };
    const settled = () => {
      entry.settledAt = this.now();
    };
    // Also marks a rejection as handled here; every caller still receives it through `answer`.
    entry.answer.then(settled, settled);
    this.latest = entry;
    return entry.answer;
  }
}
