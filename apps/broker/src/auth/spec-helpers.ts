import { jest } from '@jest/globals';
import type { BrokerConfig } from '#libs/config';
import { hashApiKey } from '#libs/crypto';
import type { ApiKeyGrant, ApiKeysRepository } from '../api-keys/api-keys.repository.js';
import type { ChangeFeed } from '../change-feed/change-feed.service.js';
import type { ChangeNotice } from '../change-feed/change-notice.js';
import { ApiKeyAuthenticator } from './api-key-authenticator.js';

export const ADMIN_KEY = `sgtb_admin_${'a'.repeat(32)}`;
export const KEY = 'sgtb_reader';
export const ID = '6f1c2b9e-8d4a-4e7b-b3a1-0c9d8e7f6a5b';
export const grant = (over: Partial<ApiKeyGrant> = {}): ApiKeyGrant => ({
  id: ID,
  scopes: ['tokens:read'],
  connectionIds: [],
  revokedAt: null,
  ...over,
});

/** The authenticator over a fake repository (rows by key hash) and a fake change feed. */
export function setup() {
  const rows = new Map<string, ApiKeyGrant | Error>();
  const findByHash = jest.fn(async (hash: Buffer) => {
    const row = rows.get(hash.toString('hex'));
    if (row instanceof Error) throw row;
    return row ?? null;
  });
  const subscribers: ((notice: ChangeNotice) => void)[] = [];
  const resyncs: (() => void)[] = [];
  const feed = {
    subscribe: (handler: (notice: ChangeNotice) => void) => subscribers.push(handler) && (() => undefined),
    onResync: (handler: () => void) => resyncs.push(handler) && (() => undefined),
  } as unknown as ChangeFeed;
  const authenticator = new ApiKeyAuthenticator(
    { adminApiKey: ADMIN_KEY } as BrokerConfig,
    { findByHash } as unknown as ApiKeysRepository,
    feed,
  );
  const hashOf = (key: string) => hashApiKey(key).toString('hex');
  return {
    authenticator,
    findByHash,
    store: (key: string, row: ApiKeyGrant | Error) => rows.set(hashOf(key), row),
    notify: (notice: ChangeNotice) => subscribers.forEach((handler) => handler(notice)),
    resync: () => resyncs.forEach((handler) => handler()),
  };
}
