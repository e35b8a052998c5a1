import { afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { AuthenticationUnavailableError, UnauthorizedError } from '../problems/auth-errors.js';
import { KEY_CACHE_TTL_MS } from './api-key-authenticator.js';
import { BOOTSTRAP_PRINCIPAL } from './principal.js';
import { ADMIN_KEY, grant, ID, KEY, setup } from './spec-helpers.js';

describe('ApiKeyAuthenticator', () => {
  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2026-11-28T10:00:00Z') });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('accepts the bootstrap admin key without a lookup', async () => {
    const { authenticator, findByHash } = setup();
    await expect(authenticator.authenticate(ADMIN_KEY)).resolves.toBe(BOOTSTRAP_PRINCIPAL);
    expect(findByHash).not.toHaveBeenCalled();
  });

  it('rejects unknown and revoked keys with 401, and remembers the answer', async () => {
    const { authenticator, findByHash, store } = setup();
    store('sgtb_revoked', grant({ revokedAt: new Date() }));
    for (const key of ['sgtb_unknown', 'sgtb_revoked', 'sgtb_unknown']) {
      await expect(authenticator.authenticate(key)).rejects.toBeInstanceOf(UnauthorizedError);
    }
    expect(findByHash).toHaveBeenCalledTimes(2);
  });

  it('looks a key up once per TTL however many requests use it, concurrent ones included', async () => {
    const { authenticator, findByHash, store } = setup();
    store(KEY, grant());
    const principals = await Promise.all(Array.from({ length: 50 }, () => authenticator.authenticate(KEY)));
    expect(principals[0]).toEqual({ keyId: ID, scopes: ['tokens:read'], connectionIds: null });
    expect(findByHash).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(KEY_CACHE_TTL_MS - 1);
    await authenticator.authenticate(KEY);
    expect(findByHash).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(1);
    await authenticator.authenticate(KEY);
    expect(findByHash).toHaveBeenCalledTimes(2);
  });

  it('notices a revocation within the TTL even when no change notice arrives', async () => {
    const { authenticator, store } = setup();
    store(KEY, grant());
    await authenticator.authenticate(KEY);
    store(KEY, grant({ revokedAt: new Date() }));
    await expect(authenticator.authenticate(KEY)).resolves.toBeDefined(); // cached
    jest.advanceTimersByTime(KEY_CACHE_TTL_MS);
    await expect(authenticator.authenticate(KEY)).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('drops a key at once on its change notice, and every key on a resync', async () => {
    const { authenticator, findByHash, store, notify, resync } = setup();
    store(KEY, grant());
    await authenticator.authenticate(KEY);
    store(KEY, grant({ revokedAt: new Date() }));
    notify({ kind: 'connection', id: ID }); // not about keys: ignored
    await authenticator.authenticate(KEY);
    notify({ kind: 'api_key', id: ID });
    await expect(authenticator.authenticate(KEY)).rejects.toBeInstanceOf(UnauthorizedError);

    store('sgtb_other', grant({ id: 'other' }));
    await authenticator.authenticate('sgtb_other');
    const lookups = findByHash.mock.calls.length;
    resync();
    await authenticator.authenticate('sgtb_other');
    expect(findByHash).toHaveBeenCalledTimes(lookups + 1);
  });

  it('does not cache what a lookup read before a revocation notice arrived', async () => {
    const { authenticator, findByHash, store, notify } = setup();
    let release!: () => void;
    findByHash.mockImplementationOnce(async () => {
      await new Promise<void>((resolve) => (release = resolve));
      return grant(); // read before the revocation committed
    });
    const early = authenticator.authenticate(KEY);
    notify({ kind: 'api_key', id: ID });
    store(KEY, grant({ revokedAt: new Date() }));
    const late = authenticator.authenticate(KEY); // must not join the lookup that may have read the old row
    release();
    await expect(early).resolves.toMatchObject({ keyId: ID });
    await expect(late).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(authenticator.authenticate(KEY)).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('keeps accepting cached keys while Postgres is unreachable, without a lookup per request', async () => {
    const { authenticator, findByHash, store } = setup();
    store(KEY, grant());
    await authenticator.authenticate(KEY);
    store(KEY, new Error('connect ECONNREFUSED'));
    jest.advanceTimersByTime(KEY_CACHE_TTL_MS);
    await expect(authenticator.authenticate(KEY)).resolves.toMatchObject({ keyId: ID });
    await expect(authenticator.authenticate(KEY)).resolves.toMatchObject({ keyId: ID });
    expect(findByHash).toHaveBeenCalledTimes(2);
  });

  it('answers 503 for a key it has never seen while Postgres is unreachable', async () => {
    const { authenticator, store } = setup();
    store(KEY, new Error('connect ECONNREFUSED'));
    await expect(authenticator.authenticate(KEY)).rejects.toBeInstanceOf(AuthenticationUnavailableError);
  });

  it('normalises connection ids and ignores scopes it does not know', async () => {
    const { authenticator, store } = setup();
    store(
      KEY,
      grant({
        scopes: ['tokens:read', 'future:scope'],
        connectionIds: ['6F1C2B9E-8D4A-4E7B-B3A1-0C9D8E7F6A5B'],
      }),
    );
    await expect(authenticator.authenticate(KEY)).resolves.toEqual({
      keyId: ID,
      scopes: ['tokens:read'],
      connectionIds: ['6f1c2b9e-8d4a-4e7b-b3a1-0c9d8e7f6a5b'],
    });
  });

  describe('authenticateCached', () => {
    it('answers the bootstrap key, and a key only while its lookup is fresh', async () => {
      const { authenticator, findByHash, store } = setup();
      expect(authenticator.authenticateCached(ADMIN_KEY)).toBe(BOOTSTRAP_PRINCIPAL);
      store(KEY, grant());
      expect(authenticator.authenticateCached(KEY)).toBeUndefined();
      await authenticator.authenticate(KEY);
      expect(authenticator.authenticateCached(KEY)).toMatchObject({ keyId: ID });
      jest.advanceTimersByTime(KEY_CACHE_TTL_MS);
      expect(authenticator.authenticateCached(KEY)).toBeUndefined();
      expect(findByHash).toHaveBeenCalledTimes(1); // it never looks anything up itself
    });

    it('refuses a key whose fresh answer was "unknown or revoked"', async () => {
      const { authenticator, store } = setup();
      store(KEY, grant({ revokedAt: new Date() }));
      await expect(authenticator.authenticate(KEY)).rejects.toBeInstanceOf(UnauthorizedError);
      expect(() => authenticator.authenticateCached(KEY)).toThrow(UnauthorizedError);
      expect(() => authenticator.authenticateCached('sgtb_never_seen')).not.toThrow();
    });

    it('forgets a key on its change notice and every key on a resync, as authenticate does', async () => {
      const { authenticator, store, notify, resync } = setup();
      store(KEY, grant());
      store('sgtb_other', grant({ id: 'other' }));
      await authenticator.authenticate(KEY);
      await authenticator.authenticate('sgtb_other');
      notify({ kind: 'api_key', id: ID });
      expect(authenticator.authenticateCached(KEY)).toBeUndefined();
      expect(authenticator.authenticateCached('sgtb_other')).toMatchObject({ keyId: 'other' });
      resync();
      expect(authenticator.authenticateCached('sgtb_other')).toBeUndefined();
    });
  });
});
