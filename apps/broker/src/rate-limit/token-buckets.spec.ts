import { describe, expect, it } from '@jest/globals';
import { TokenBuckets } from './token-buckets.js';

/** A clock the test moves by hand: no real time passes in these specs. */
function manualClock() {
  let ms = 1_000;
  return { now: () => ms, advance: (by: number) => (ms += by) };
}

describe('TokenBuckets', () => {
  it('lets a burst through at once, then refuses with the wait until the next token', () => {
    const clock = manualClock();
    const buckets = new TokenBuckets({ perSecond: 2, burst: 3 }, clock.now);
    expect([buckets.take('a'), buckets.take('a'), buckets.take('a')]).toEqual([0, 0, 0]);
    expect(buckets.take('a')).toBe(500);
    clock.advance(200);
    expect(buckets.take('a')).toBe(300);
    clock.advance(300);
    expect(buckets.take('a')).toBe(0);
    expect(buckets.take('a')).toBe(500);
  });

  it('refills at the configured rate, never beyond the burst', () => {
    const clock = manualClock();
    const buckets = new TokenBuckets({ perSecond: 10, burst: 5 }, clock.now);
    for (let i = 0; i < 5; i++) buckets.take('a');
    clock.advance(60_000);
    const taken = Array.from({ length: 7 }, () => buckets.take('a'));
    expect(taken.filter((wait) => wait === 0)).toHaveLength(5);
  });

  it('keeps a bucket per key: one busy key does not slow another', () => {
    const clock = manualClock();
    const buckets = new TokenBuckets({ perSecond: 1, burst: 1 }, clock.now);
    expect(buckets.take('busy')).toBe(0);
    expect(buckets.take('busy')).toBeGreaterThan(0);
    expect(buckets.take('quiet')).toBe(0);
  });

  it('supports fractional rates', () => {
    const clock = manualClock();
    const buckets = new TokenBuckets({ perSecond: 0.5, burst: 1 }, clock.now);
    expect(buckets.take('a')).toBe(0);
    expect(buckets.take('a')).toBe(2_000);
  });

  it('forgets buckets that have been idle long enough to be full again', () => {
    const clock = manualClock();
    const buckets = new TokenBuckets({ perSecond: 10, burst: 10 }, clock.now); // full after 1 s
    for (const key of ['a', 'b', 'c']) buckets.take(key);
    clock.advance(600);
    buckets.take('c');
    clock.advance(500);
    buckets.take('d'); // a and b idle 1.1 s: dropped; c only 0.5 s
    expect(buckets.size).toBe(2);
    // A forgotten key starts with a full bucket, exactly as if it had been kept.
    expect(Array.from({ length: 10 }, () => buckets.take('a')).every((wait) => wait === 0)).toBe(true);
  });

  it('holds at most maxBuckets, dropping the least recently used', () => {
    const clock = manualClock();
    const buckets = new TokenBuckets({ perSecond: 1, burst: 5 }, clock.now, 3);
    for (const key of ['a', 'b', 'c', 'd', 'e']) buckets.take(key);
    expect(buckets.size).toBe(3);
  });

  it('refuses a limit that could never let anything through', () => {
    expect(() => new TokenBuckets({ perSecond: 0, burst: 1 })).toThrow(RangeError);
    expect(() => new TokenBuckets({ perSecond: 1, burst: 0 })).toThrow(RangeError);
  });
});
