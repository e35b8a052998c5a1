import { afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { hashApiKey } from '#libs/crypto';
import { UnauthorizedError } from '../problems/auth-errors.js';
import { KEY_CACHE_MAX_ENTRIES, KEY_CACHE_TTL_MS, REJECTED_KEY_TTL_MS } from './api-key-authenticator.js';
import { KEY_LOOKUP_CONCURRENCY, KEY_LOOKUP_QUEUE } from './key-lookup-gate.js';
import { grant, ID, KEY, setup } from './spec-helpers.js';

describe('ApiKeyAuthenticator with keys it does not know', () => {
  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2026-11-28T10:00:00Z') });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('never lets made-up keys push a valid key out of its cache', async () => {
    const { authenticator, store } = setup();
    store(KEY, grant());
    await authenticator.authenticate(KEY);
    let refused = 0;
    for (let i = 0; i <= KEY_CACHE_MAX_ENTRIES; i++) {
      await authenticator.authenticate(`sgtb_made_up_${i}`).catch(() => refused++);
    }
    expect(refused).toBe(KEY_CACHE_MAX_ENTRIES + 1);
    expect(authenticator.authenticateCached(KEY)).toMatchObject({ keyId: ID });
  });

  it('looks up only so many new keys at once, refuses the rest with 503 without a query, and never holds up a known key', async () => {
    const { authenticator, findByHash, store } = setup();
    store(KEY, grant());
    await authenticator.authenticate(KEY);
    const known = hashApiKey(KEY);
    const answers: (() => void)[] = [];
    findByHash.mockImplementation(async (hash) =>
      hash.equals(known) ? grant() : new Promise((resolve) => answers.push(() => resolve(null))),
    );
    const flood = Array.from({ length: KEY_LOOKUP_CONCURRENCY + KEY_LOOKUP_QUEUE }, (_, i) =>
      authenticator.authenticate(`sgtb_flood_${i}`).catch((error: unknown) => error),
    );
    const calls = () => findByHash.mock.calls.length - 1;
    expect(calls()).toBe(KEY_LOOKUP_CONCURRENCY);
    await expect(authenticator.authenticate('sgtb_one_too_many')).rejects.toMatchObject({
      status: 503,
      headers: { 'retry-after': '1' },
    });
    expect(calls()).toBe(KEY_LOOKUP_CONCURRENCY);

    expect(authenticator.authenticateCached(KEY)).toMatchObject({ keyId: ID });
    jest.advanceTimersByTime(KEY_CACHE_TTL_MS); // the valid key needs a lookup now: it skips the queue
    await expect(authenticator.authenticate(KEY)).resolves.toMatchObject({ keyId: ID });

    while (answers.length) {
      answers.shift()!();
      for (let tick = 0; tick < 10; tick++) await Promise.resolve();
    }
    for (const outcome of await Promise.all(flood)) expect(outcome).toBeInstanceOf(UnauthorizedError);
    expect(calls()).toBe(KEY_LOOKUP_CONCURRENCY + KEY_LOOKUP_QUEUE + 1);
  });

  it('revalidates a key it served before at once after a resync emptied its cache, whatever fills the gate', async () => {
    const { authenticator, findByHash, resync, store } = setup();
    store(KEY, grant());
    await authenticator.authenticate(KEY);
    const known = hashApiKey(KEY);
    findByHash.mockImplementation(async (hash) =>
      hash.equals(known) ? grant() : new Promise<null>(() => undefined),
    );
    for (let i = 0; i < KEY_LOOKUP_CONCURRENCY + KEY_LOOKUP_QUEUE; i++) {
      void authenticator.authenticate(`sgtb_flood_${i}`).catch(() => undefined);
    }
    resync(); // the listener reconnected: every cached principal is gone
    await expect(authenticator.authenticate(KEY)).resolves.toMatchObject({ keyId: ID });
  });

  it('refuses, rather than serves, a key revoked while its revalidation was failing', async () => {
    const { authenticator, findByHash, notify, store } = setup();
    store(KEY, grant());
    await authenticator.authenticate(KEY);
    jest.advanceTimersByTime(KEY_CACHE_TTL_MS);
    let fail!: (error: Error) => void;
    findByHash.mockImplementation(() => new Promise((_resolve, reject) => (fail = reject)));
    const pending = authenticator.authenticate(KEY);
    notify({ kind: 'api_key', id: ID });
    fail(new Error('connect ECONNREFUSED'));
    await expect(pending).rejects.toMatchObject({ status: 503 });
  });

  it('never serves a key found revoked from the outage fallback', async () => {
    const { authenticator, store } = setup();
    store(KEY, grant());
    await authenticator.authenticate(KEY);
    jest.advanceTimersByTime(KEY_CACHE_TTL_MS);
    store(KEY, grant({ revokedAt: new Date() })); // its notice was lost: the TTL finds it
    await expect(authenticator.authenticate(KEY)).rejects.toBeInstanceOf(UnauthorizedError);
    store(KEY, new Error('connect ECONNREFUSED'));
    jest.advanceTimersByTime(REJECTED_KEY_TTL_MS);
    await expect(authenticator.authenticate(KEY)).rejects.toMatchObject({ status: 503 });
  });

  it('accepts a key once its last rejection is REJECTED_KEY_TTL_MS old', async () => {
    const { authenticator, store } = setup();
    await expect(authenticator.authenticate(KEY)).rejects.toBeInstanceOf(UnauthorizedError);
    store(KEY, grant()); // say, a restored backup brings the key back
    expect(() => authenticator.authenticateCached(KEY)).toThrow(UnauthorizedError);
    jest.advanceTimersByTime(REJECTED_KEY_TTL_MS);
    await expect(authenticator.authenticate(KEY)).resolves.toMatchObject({ keyId: ID });
  });
});
