import { describe, expect, it } from '@jest/globals';
import { InvalidationLog } from './invalidation-log.js';

describe('InvalidationLog', () => {
  it('tells a read begun before an invalidation of its connection from one begun after', () => {
    const log = new InvalidationLog(10);
    const before = log.epoch;
    log.record('a');
    expect(log.unchangedSince('a', before)).toBe(false);
    expect(log.unchangedSince('a', log.epoch)).toBe(true);
  });

  it('lets reads of other connections through', () => {
    const log = new InvalidationLog(10);
    const before = log.epoch;
    log.record('a');
    log.record('a');
    expect(log.unchangedSince('b', before)).toBe(true);
  });

  it('refuses every read begun before all connections were invalidated', () => {
    const log = new InvalidationLog(10);
    const before = log.epoch;
    log.recordAll();
    expect(log.unchangedSince('b', before)).toBe(false);
    expect(log.unchangedSince('b', log.epoch)).toBe(true);
  });

  it('refuses reads older than what it had to forget, and only those', () => {
    const log = new InvalidationLog(2);
    const early = log.epoch;
    log.record('a');
    const middle = log.epoch;
    log.record('b');
    log.record('c'); // forgets a's invalidation: a read of 'a' begun before it can no longer be told
    expect(log.unchangedSince('a', early)).toBe(false);
    expect(log.unchangedSince('x', early)).toBe(false);
    expect(log.unchangedSince('a', middle)).toBe(true);
    expect(log.unchangedSince('b', middle)).toBe(false);
  });

  it('remembers a connection invalidated again as recent, not as the oldest', () => {
    const log = new InvalidationLog(2);
    log.record('a');
    log.record('b');
    const before = log.epoch;
    log.record('a'); // a is now the latest; b is the oldest
    log.record('c'); // forgets b
    expect(log.unchangedSince('a', before)).toBe(false);
    expect(log.unchangedSince('b', before)).toBe(true);
  });
});
