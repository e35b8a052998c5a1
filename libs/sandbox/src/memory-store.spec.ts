import { describe, expect, it, jest } from '@jest/globals';

import { MemoryStore } from './memory-store.js';

describe('MemoryStore', () => {
  it('forgets entries once they expire', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    try {
      const tokens = new MemoryStore().adapterFor('RefreshToken');
      await tokens.upsert('rt1', { grantId: 'g1' }, 10);

      jest.setSystemTime(1_000_000 + 9_000);
      expect(await tokens.find('rt1')).toEqual({ grantId: 'g1' });
      jest.setSystemTime(1_000_000 + 10_000);
      expect(await tokens.find('rt1')).toBeUndefined();
    } finally {
      jest.useRealTimers();
    }
  });

  it('marks consumed entries instead of deleting them, so reuse can be detected', async () => {
    const tokens = new MemoryStore().adapterFor('RefreshToken');
    await tokens.upsert('rt1', { grantId: 'g1' }, 60);

    await tokens.consume('rt1');

    expect(await tokens.find('rt1')).toEqual({ grantId: 'g1', consumed: expect.any(Number) });
  });

  it('keeps models apart and finds sessions by uid', async () => {
    const store = new MemoryStore();
    await store.adapterFor('Session').upsert('s1', { uid: 'u1' }, 60);

    expect(await store.adapterFor('Session').findByUid('u1')).toEqual({ uid: 'u1' });
    expect(await store.adapterFor('Interaction').find('s1')).toBeUndefined();
  });

  it('lists a user’s grants and revokes a grant with everything issued under it', async () => {
    const store = new MemoryStore();
    await store.adapterFor('Grant').upsert('g1', { accountId: 'w0@1' }, 60);
    await store.adapterFor('Grant').upsert('g2', { accountId: 'w1@1' }, 60);
    await store.adapterFor('RefreshToken').upsert('rt1', { grantId: 'g1' }, 60);
    await store.adapterFor('AuthorizationCode').upsert('c1', { grantId: 'g1' }, 60);
    await store.adapterFor('RefreshToken').upsert('rt2', { grantId: 'g2' }, 60);

    expect(store.grantIdsOf('w0@1')).toEqual(['g1']);
    store.revokeGrant('g1');

    expect(store.hasGrant('g1')).toBe(false);
    expect(await store.adapterFor('RefreshToken').find('rt1')).toBeUndefined();
    expect(await store.adapterFor('AuthorizationCode').find('c1')).toBeUndefined();
    expect(store.hasGrant('g2')).toBe(true);
    expect(await store.adapterFor('RefreshToken').find('rt2')).toBeDefined();
  });
});
