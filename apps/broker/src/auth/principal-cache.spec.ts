import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { Principal } from './principal.js';
import { PrincipalCache } from './principal-cache.js';

const principal = (keyId: string): Principal => ({ keyId, scopes: ['tokens:read'], connectionIds: null });

describe('PrincipalCache', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2026-11-28T10:00:00Z') });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('answers fresh within the TTL and stale (but still present) after it', () => {
    const cache = new PrincipalCache(1_000, 10);
    cache.set('h1', principal('k1'), cache.epoch);
    jest.advanceTimersByTime(999);
    expect(cache.get('h1')).toEqual({ principal: principal('k1'), fresh: true });
    jest.advanceTimersByTime(1);
    expect(cache.get('h1')).toEqual({ principal: principal('k1'), fresh: false });
  });

  it('forgets one key by its hash', () => {
    const cache = new PrincipalCache(1_000, 10);
    cache.set('h1', principal('k1'), cache.epoch);
    cache.delete('h1');
    expect(cache.get('h1')).toBeUndefined();
  });

  it('forgets the entries of an invalidated key id, and only those', () => {
    const cache = new PrincipalCache(1_000, 10);
    cache.set('h1', principal('k1'), cache.epoch);
    cache.set('h2', principal('k2'), cache.epoch);
    cache.invalidateKey('k1');
    expect(cache.get('h1')).toBeUndefined();
    expect(cache.get('h2')?.fresh).toBe(true);
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it('drops the result of a lookup that began before an invalidation', () => {
    const cache = new PrincipalCache(1_000, 10);
    const startedAt = cache.epoch;
    cache.invalidateKey('k1'); // the revocation lands while the lookup is on its way
    cache.set('h1', principal('k1'), startedAt);
    expect(cache.get('h1')).toBeUndefined();
  });

  it('evicts the least recently refreshed entry when full', () => {
    const cache = new PrincipalCache(1_000, 2);
    cache.set('a', principal('a'), cache.epoch);
    cache.set('b', principal('b'), cache.epoch);
    cache.set('a', principal('a'), cache.epoch); // refreshed: now the newest
    cache.set('c', principal('c'), cache.epoch);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
    expect(cache.get('c')).toBeDefined();
    expect(cache.size).toBe(2);
  });
});
