import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { RejectedKeys } from './rejected-keys.js';

describe('RejectedKeys', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2026-11-28T10:00:00Z') });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('remembers a rejected key for the TTL, and not a moment longer', () => {
    const rejected = new RejectedKeys(1_000, 10);
    rejected.add('h1');
    jest.advanceTimersByTime(999);
    expect(rejected.has('h1')).toBe(true);
    jest.advanceTimersByTime(1);
    expect(rejected.has('h1')).toBe(false);
    expect(rejected.size).toBe(0); // an expired entry is dropped when it is found
    expect(rejected.has('never-added')).toBe(false);
  });

  it('stays within its bound, dropping the entry that would expire first', () => {
    const rejected = new RejectedKeys(1_000, 3);
    for (const hash of ['a', 'b', 'c']) {
      rejected.add(hash);
      jest.advanceTimersByTime(10);
    }
    rejected.add('a'); // rejected again: expires last now
    rejected.add('d');
    expect(rejected.size).toBe(3);
    expect(['a', 'b', 'c', 'd'].filter((hash) => rejected.has(hash))).toEqual(['a', 'c', 'd']);
  });

  it('holds no more than its bound whatever a flood adds', () => {
    const rejected = new RejectedKeys(1_000, 100);
    for (let i = 0; i < 10_000; i++) rejected.add(`flood-${i}`);
    expect(rejected.size).toBe(100);
    expect(rejected.has('flood-9999')).toBe(true);
    expect(rejected.has('flood-0')).toBe(false);
  });
});
