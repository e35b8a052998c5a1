import { Injectable, Logger } from '@nestjs/common';
import type { BrokerConfig } from '#libs/config';
import { DecryptionError } from '#libs/crypto';
import { InjectConfig } from '../config/config.module.js';
import {
  ConnectionNotFoundError,
  NoRefreshTokenError,
  RefreshTokenUnreadableError,
  SipgateUnavailableProblem,
} from '../connections/connection.errors.js';
import { ConnectionsRepository } from '../connections/connections.repository.js';
import type { UsableCredential } from '../connections/connection.types.js';
import { TokenReadMetrics, type TokenReadOutcome } from '../metrics/token-read-metrics.js';
import { DomainError } from '../problems/domain-error.js';
import { TokenRefresher } from '../refresh/token-refresher.service.js';
import { failedReadOutcome } from './failed-read-outcome.js';
import { type IssuedToken, IssuedTokens, secondsLeft } from './issued-tokens.js';
import { validLongEnough } from './min-validity.js';
import { TokenCache } from './token-cache.js';
import { StorageUnavailableError } from './tokens.errors.js';

/** How long a reader waits for another replica's refresh before serving the token it has. */
const READER_LEASE_WAIT_MS = 2_000;

/**
 * Hands out a token valid for at least `minValidity` seconds. The hot path is a cache hit; the
 * database is read only on a miss or when the cached token is too short-lived, and sipgate is called
 * only when the stored token is too short-lived as well. When sipgate or Postgres is away, a token
 * that is still valid (if for less than asked) is better than none and is served. No read asks more
 * than sipgate grants (see validLongEnough).
 */
@Injectable()
export class TokensService {
  private readonly logger = new Logger(TokensService.name);
  private readonly issued = new IssuedTokens();
  private readonly marginSeconds: number;

  constructor(
    @InjectConfig() config: BrokerConfig,
    private readonly cache: TokenCache,
    private readonly connections: ConnectionsRepository,
    private readonly refresher: TokenRefresher,
    private readonly reads: TokenReadMetrics,
  ) {
    this.marginSeconds = config.refresh.marginSeconds;
  }

  /**
   * A cache hit, the hot path, is answered synchronously: no promise, no database, no decryption
   * (see token-read-fast-path.ts). Everything else returns a promise.
   */
  issue(connectionId: string, minValiditySeconds: number): IssuedToken | Promise<IssuedToken> {
    const now = Date.now();
    const entry = this.cache.get(connectionId);
    if (entry && this.cache.current(entry, now) && this.answers(entry.credential, minValiditySeconds, now)) {
      try {
        return this.served('cache_hit', entry.credential, now);
      } catch (error) {
        this.reads.count(failedReadOutcome(error));
        throw error;
      }
    }
    return this.issueFromStore(connectionId, minValiditySeconds, entry?.credential, now).catch(
      (error: unknown) => {
        this.reads.count(failedReadOutcome(error));
        throw error;
      },
    );
  }

  private async issueFromStore(
    connectionId: string,
    minValiditySeconds: number,
    cached: UsableCredential | undefined,
    now: number,
  ): Promise<IssuedToken> {
    let stored: UsableCredential;
    try {
      stored = await this.load(connectionId);
    } catch (error) {
      // Postgres is away: a cached token still valid now (if for less than asked) beats a 503.
      const later = Date.now();
      // Only while it is still the cached entry: a disconnect noticed meanwhile dropped it.
      if (
        cached &&
        secondsLeft(cached, later) > 0 &&
        error instanceof StorageUnavailableError &&
        this.cache.rearm(cached)
      ) {
        return this.served('stale_served', cached, later);
      }
      throw error;
    }
    if (this.answers(stored, minValiditySeconds, now)) {
      return this.served('db', stored, now);
    }
    return this.refreshed(stored, now);
  }

  /** Whether the credential is the answer as it is: a 409, or a token valid long enough. */
  private answers(credential: UsableCredential, minValiditySeconds: number, now: number): boolean {
    return (
      credential.status === 'reauth_required' ||
      validLongEnough(credential, minValiditySeconds, this.marginSeconds, now)
    );
  }

  private async refreshed(stored: UsableCredential, now: number): Promise<IssuedToken> {
    const notBefore = stored.retryNotBefore?.getTime() ?? 0;
    // While the refresher backs off after failures, readers do not hammer sipgate either.
    if (notBefore > now) return this.fallback(stored, now, (notBefore - now) / 1000);
    try {
      // A reader whose token outlives a short wait waits only that long for another replica's
      // refresh, then serves what it has: consumers' HTTP timeouts are typically 5-10 s, a lease far
      // longer. A token about to expire is no fallback, so that reader waits for the new one.
      const outlivesWait = secondsLeft(stored, now) * 1000 > READER_LEASE_WAIT_MS + 1_000;
      const maxLeaseWaitMs = outlivesWait ? READER_LEASE_WAIT_MS : undefined;
      // Begun before the refresh: a disconnect reported while it ran must not be undone by caching
      // its result. A refresh made here reports itself too, so its result is read again next time.
      const read = this.cache.beginRead();
      const fresh = await this.refresher.refresh(stored.connectionId, stored.version, maxLeaseWaitMs);
      this.cache.set(fresh, read);
      return this.served('refreshed', fresh, Date.now());
    } catch (error) {
      // The attempt may have taken up to the sipgate timeout, or a wait on another replica's lease:
      // whether the stored token is still valid is judged now, not when the read began.
      if (error instanceof SipgateUnavailableProblem)
        return this.fallback(stored, Date.now(), Number(error.headers['retry-after']));
      // Nothing to refresh it with: the token at hand is served while it lasts, then the reason.
      if (error instanceof NoRefreshTokenError || error instanceof RefreshTokenUnreadableError) {
        const later = Date.now();
        if (secondsLeft(stored, later) > 0) return this.served('stale_served', stored, later);
      }
      if (error instanceof DomainError) throw error;
      this.logger.error(
        { connectionId: stored.connectionId, err: String(error) },
        'on-demand refresh failed',
      );
      return this.fallback(stored, Date.now(), 1);
    }
  }

  private fallback(stored: UsableCredential, now: number, retryAfterSeconds: number): IssuedToken {
    if (secondsLeft(stored, now) > 0) return this.served('stale_served', stored, now);
    throw new SipgateUnavailableProblem(
      'sipgate cannot be reached to refresh this connection and its last access token has expired.',
      retryAfterSeconds,
    );
  }

  /** Counted after `IssuedTokens.of`, which throws for a connection that needs re-authorization. */
  private served(outcome: TokenReadOutcome, credential: UsableCredential, now: number): IssuedToken {
    const token = this.issued.of(credential, now);
    this.reads.count(outcome);
    return token;
  }

  private async load(connectionId: string): Promise<UsableCredential> {
    const read = this.cache.beginRead();
    let credential: UsableCredential | null;
    try {
      credential = await this.connections.readCredential(connectionId);
    } catch (error) {
      // A key missing from BROKER_ENCRYPTION_KEYS is a misconfiguration, not an outage: a 500, logged.
      if (error instanceof DecryptionError) throw error;
      this.logger.error({ connectionId, err: String(error) }, 'reading the connection failed');
      throw new StorageUnavailableError();
    }
    if (!credential) throw new ConnectionNotFoundError(connectionId);
    this.cache.set(credential, read);
    return credential;
  }
}
