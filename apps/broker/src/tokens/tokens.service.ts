import { Injectable, Logger } from '@nestjs/common';
import { DecryptionError } from '#libs/crypto';
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
import { TokenCache } from './token-cache.js';
import { StorageUnavailableError } from './tokens.errors.js';

/** How long a reader waits for another replica's refresh before serving the token it has. */
const READER_LEASE_WAIT_MS = 2_000;

/**
 * Hands out a token valid for at least `minValidity` seconds. The hot path is a cache hit; the
 * database is read only on a miss or when the cached token is too short-lived, and sipgate is called
 * only when the stored token is too short-lived as well. When sipgate or Postgres is away, a token
 * that is still valid (if for less than asked) is better than none and is served.
 */
@Injectable()
export class TokensService {
  private readonly logger = new Logger(TokensService.name);
  private readonly issued = new IssuedTokens();

  constructor(
    private readonly cache: TokenCache,
    private readonly connections: ConnectionsRepository,
    private readonly refresher: TokenRefresher,
    private readonly reads: TokenReadMetrics,
  ) {}

  /**
   * A cache hit, the hot path, is answered synchronously: no promise, no database, no decryption
   * (see token-read-fast-path.ts). Everything else returns a promise.
   */
  issue(connectionId: string, minValiditySeconds: number): IssuedToken | Promise<IssuedToken> {
    const now = Date.now();
    const cached = this.cache.get(connectionId);
    if (cached && (cached.status === 'reauth_required' || secondsLeft(cached, now) >= minValiditySeconds)) {
      try {
        return this.served('cache_hit', cached, now);
      } catch (error) {
        this.reads.count(failedReadOutcome(error));
        throw error;
      }
    }
    return this.issueFromStore(connectionId, minValiditySeconds, cached, now).catch((error: unknown) => {
      this.reads.count(failedReadOutcome(error));
      throw error;
    });
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
      if (cached && secondsLeft(cached, later) > 0 && error instanceof StorageUnavailableError)
        return this.served('stale_served', cached, later);
      throw error;
    }
    if (stored.status === 'reauth_required' || secondsLeft(stored, now) >= minValiditySeconds) {
      return this.served('db', stored, now);
    }
    return this.refreshed(stored, now);
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
      const fresh = await this.refresher.refresh(stored.connectionId, stored.version, maxLeaseWaitMs);
      this.cache.set(fresh);
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
    this.cache.set(credential);
    return credential;
  }
}
