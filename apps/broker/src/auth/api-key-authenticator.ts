import { timingSafeEqual } from 'node:crypto';
import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { BrokerConfig } from '#libs/config';
import { hashApiKey } from '#libs/crypto';
import { type ApiKeyGrant, ApiKeysRepository } from '../api-keys/api-keys.repository.js';
import { ChangeFeed } from '../change-feed/change-feed.service.js';
import { InjectConfig } from '../config/config.module.js';
import {
  AuthenticationBusyError,
  AuthenticationUnavailableError,
  UnauthorizedError,
} from '../problems/auth-errors.js';
import { AcceptedKeys } from './accepted-keys.js';
import { KeyLookupGate } from './key-lookup-gate.js';
import { BOOTSTRAP_PRINCIPAL, type Principal, SCOPES, type Scope } from './principal.js';
import { PrincipalCache } from './principal-cache.js';
import { RejectedKeys } from './rejected-keys.js';

/**
 * How long a looked-up key is trusted without asking Postgres again. Revocations normally arrive
 * through the change feed within milliseconds; this bound is the safety net for a lost notice, and
 * keeps "every replica rejects a revoked key within 2 s" true even then (TTL + one lookup < 2 s).
 * At 1 s, the hot path costs one indexed lookup per key per second per replica, not one per request.
 */
export const KEY_CACHE_TTL_MS = 1_000;
/** Valid keys cached at once: far more than a deployment has, and only keys Postgres knows count. */
export const KEY_CACHE_MAX_ENTRIES = 10_000;
/**
 * How long "unknown or revoked" is trusted: as long as a valid answer (see RejectedKeys for why
 * nothing needs to cut it short), and long enough that a client retrying a bad key in a loop costs
 * one lookup a second.
 */
export const REJECTED_KEY_TTL_MS = 1_000;
/** Bounds the memory a flood of made-up keys can take; they only ever displace each other. */
export const REJECTED_KEYS_MAX_ENTRIES = 10_000;

function toPrincipal(grant: ApiKeyGrant): Principal | null {
  if (grant.revokedAt) return null;
  return {
    keyId: grant.id,
    // A scope this version does not know (a newer replica wrote it) grants nothing here.
    scopes: grant.scopes.filter((scope): scope is Scope => SCOPES.includes(scope as Scope)),
    connectionIds: grant.connectionIds.length ? grant.connectionIds.map((id) => id.toLowerCase()) : null,
  };
}

/** Turns a presented API key into a Principal, or a 401; the key itself is never logged or kept. */
@Injectable()
export class ApiKeyAuthenticator implements OnModuleDestroy {
  private readonly logger = new Logger(ApiKeyAuthenticator.name);
  private readonly adminKeyHash: Buffer;
  private readonly cache = new PrincipalCache(KEY_CACHE_TTL_MS, KEY_CACHE_MAX_ENTRIES);
  private readonly rejected = new RejectedKeys(REJECTED_KEY_TTL_MS, REJECTED_KEYS_MAX_ENTRIES);
  private readonly gate = new KeyLookupGate();
  private readonly accepted = new AcceptedKeys(KEY_CACHE_MAX_ENTRIES);
  /**
   * Concurrent requests with the same uncached key share one lookup instead of stampeding Postgres.
   * Bounded like the lookups themselves: a new key only gets an entry when the gate admits it.
   */
  private readonly inFlight = new Map<string, Promise<Principal | null>>();
  private readonly unsubscribes: (() => void)[];

  constructor(
    @InjectConfig() config: BrokerConfig,
    private readonly apiKeys: ApiKeysRepository,
    changeFeed: ChangeFeed,
  ) {
    this.adminKeyHash = hashApiKey(config.adminApiKey);
    this.unsubscribes = [
      changeFeed.subscribe((notice) => {
        if (notice.kind === 'api_key') this.forget(() => this.cache.invalidateKey(notice.id));
      }),
      // Notices sent while the listener was away are lost: any cached key may have been revoked.
      changeFeed.onResync(() => this.forget(() => this.cache.clear())),
    ];
  }

  onModuleDestroy(): void {
    for (const unsubscribe of this.unsubscribes) unsubscribe();
  }

  /**
   * The key's principal when the answer is at hand: the bootstrap key, or a key looked up less than
   * KEY_CACHE_TTL_MS ago, or a 401 for a key found unknown or revoked less than REJECTED_KEY_TTL_MS
   * ago. Undefined: only `authenticate` can tell. Lets the guard answer the hot path without a promise.
   */
  authenticateCached(key: string): Principal | undefined {
    const keyHash = hashApiKey(key);
    // Constant time: the bootstrap key is compared, not looked up, and must not leak through timing.
    if (timingSafeEqual(keyHash, this.adminKeyHash)) return BOOTSTRAP_PRINCIPAL;
    const cacheKey = keyHash.toString('latin1');
    const cached = this.cache.get(cacheKey);
    if (cached?.fresh) return cached.principal;
    if (this.rejected.has(cacheKey)) throw rejection();
    return undefined;
  }

  async authenticate(key: string): Promise<Principal> {
    const keyHash = hashApiKey(key);
    // Constant time: the bootstrap key is compared, not looked up, and must not leak through timing.
    if (timingSafeEqual(keyHash, this.adminKeyHash)) return BOOTSTRAP_PRINCIPAL;
    const cacheKey = keyHash.toString('latin1');
    const cached = this.cache.get(cacheKey);
    if (cached?.fresh) return cached.principal;
    if (this.rejected.has(cacheKey)) throw rejection();

    const epoch = this.cache.epoch;
    const lookup = this.lookup(cacheKey, keyHash, cached !== undefined || this.accepted.has(cacheKey));
    if (!lookup) throw new AuthenticationBusyError();
    let principal: Principal | null;
    try {
      principal = await lookup;
    } catch (error) {
      this.logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'API key lookup failed',
      );
      // Gone from the cache: a revocation notice arrived while this lookup was failing.
      if (!cached || !this.cache.get(cacheKey)) throw new AuthenticationUnavailableError();
      // Postgres is unreachable from here, so no revocation can have committed through this replica's
      // view since the entry was read; keep the last answer, re-armed so that each request does not
      // wait for another failing lookup.
      this.cache.set(cacheKey, cached.principal, epoch);
      return cached.principal;
    }
    if (!principal) throw rejection();
    return principal;
  }

  /**
   * One lookup per key at a time. A key accepted before (`known`: cached, or in AcceptedKeys after
   * the cache was cleared) goes straight to Postgres: only real keys get in there, so there are only
   * so many of them, and revalidating one must never wait behind a flood. Every other key goes through the gate; undefined when
   * the gate is full, and then nothing was asked.
   */
  private lookup(
    cacheKey: string,
    keyHash: Buffer<ArrayBuffer>,
    known: boolean,
  ): Promise<Principal | null> | undefined {
    const pending = this.inFlight.get(cacheKey);
    if (pending) return pending;
    const epoch = this.cache.epoch;
    const query = () => this.apiKeys.findByHash(keyHash);
    const found = known ? query() : this.gate.tryRun(query);
    if (!found) return undefined;
    const lookup = found
      .then((grant) => {
        const principal = grant && toPrincipal(grant);
        if (principal) {
          this.cache.set(cacheKey, principal, epoch);
          this.accepted.add(cacheKey);
        } else {
          // Dropped whatever the epoch: an outage must not bring back a key once found revoked.
          this.cache.delete(cacheKey);
          this.accepted.delete(cacheKey);
          this.rejected.add(cacheKey);
        }
        return principal;
      })
      .finally(() => {
        if (this.inFlight.get(cacheKey) === lookup) this.inFlight.delete(cacheKey);
      });
    this.inFlight.set(cacheKey, lookup);
    return lookup;
  }

  /** After an invalidation, requests must not join lookups that may have read the old row. */
  private forget(invalidate: () => void): void {
    invalidate();
    this.inFlight.clear();
  }
}

function rejection(): UnauthorizedError {
  return new UnauthorizedError('The API key is unknown or has been revoked.', 'invalid_token');
}
