import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { BrokerConfig } from '#libs/config';
import { SipgateGrantError, SipgateOAuthClient, type TokenSet } from '#libs/sipgate';
import type { AuditContext } from '../audit/audit-recorder.js';
import { InjectConfig } from '../config/config.module.js';
import {
  ConnectionNotFoundError,
  NoRefreshTokenError,
  NotRefreshableError,
  ReauthRequiredError,
  RefreshTokenUnreadableError,
  SipgateUnavailableProblem,
} from '../connections/connection.errors.js';
import { ConnectionsRepository } from '../connections/connections.repository.js';
import type { UsableCredential } from '../connections/connection.types.js';
import { RefreshRepository, type RefreshClaim, type SealedRefresh } from './refresh.repository.js';
import { describeRefresh } from './refresh-result.js';
import { retryDelayMs } from './refresh-schedule.js';
import { ConnectionEvents } from '../connections/connection-events.js';
import { RefreshMetrics } from '../metrics/refresh-metrics.js';
import type { SetAsideClaim } from './set-aside.js';
import { UnrenewableConnectionsRepository } from './unrenewable-connections.repository.js';
import { DatabaseAvailability } from './database-availability.js';
import { leaseMsFor } from './lease-rule.js';
import { TakeoverGuard } from './takeover-guard.js';

/** How often a reader waiting on another replica's lease looks at the row again. */
const LEASE_POLL_MS = 150;
/**
 * A failed write-back is retried as soon as the database answers again (`min` apart, should it fail
 * while the database answers) and at least every `max`: well within the takeover grace other
 * claimers give a holder once they regain the database (lease-rule.ts).
 */
const WRITE_BACK_RETRY_MS = { min: 250, max: 1_000 };
/** A holder retries about once a second for the whole outage: log the first failure and every tenth. */
const WRITE_BACK_LOG_EVERY = 10;

/**
 * Spends a connection's refresh token: at most one refresh per connection at a time in this
 * process (concurrent callers share the same promise) and across replicas (a database lease, see
 * RefreshRepository). Rotated tokens are persisted in the same statement that releases the lease;
 * if that write fails they are kept in memory and the write is retried, never dropped. While it
 * holds a claim this process never claims that connection again (TakeoverGuard), lease or no lease.
 */
@Injectable()
export class TokenRefresher implements OnApplicationShutdown {
  private readonly logger = new Logger(TokenRefresher.name);
  private readonly inFlight = new Map<string, Promise<UsableCredential>>();
  /** See leaseMsFor. */
  readonly leaseMs: number;

  constructor(
    @InjectConfig() private readonly config: BrokerConfig,
    private readonly refreshes: RefreshRepository,
    private readonly connections: ConnectionsRepository,
    private readonly oauth: SipgateOAuthClient,
    private readonly events: ConnectionEvents,
    private readonly unrenewable: UnrenewableConnectionsRepository,
    private readonly metrics: RefreshMetrics,
    private readonly guard: TakeoverGuard,
    private readonly database: DatabaseAvailability,
  ) {
    this.leaseMs = leaseMsFor(config);
  }

  /**
   * `ifVersion`: the version of the credential the caller found too short-lived. If the row has
   * moved on since (another replica refreshed), its token is returned without spending another.
   * `maxLeaseWaitMs`: how long to wait for another replica's lease before giving up with a 503
   * (default: the whole lease).
   */
  refresh(connectionId: string, ifVersion?: number, maxLeaseWaitMs?: number): Promise<UsableCredential> {
    return (
      this.inFlight.get(connectionId) ??
      this.track(
        connectionId,
        this.refreshOnce(connectionId, ifVersion, maxLeaseWaitMs ?? this.leaseMs + 5_000),
      )
    );
  }

  /**
   * An admin's "refresh now", recorded in the audit trail before it starts. Unlike other admin
   * changes the record cannot share the change's transaction: the refresh token is spent at sipgate
   * before anything is written, and the write-back of the rotated tokens must never wait on or fail
   * with another write (a lost write-back loses the only valid refresh token). Recorded first, a
   * refresh whose record cannot be stored never starts.
   */
  async refreshForAdmin(connectionId: string, audit: AuditContext): Promise<UsableCredential> {
    await this.refreshes.recordRefreshRequest(connectionId, audit);
    return this.refresh(connectionId);
  }

  /** Refreshes a connection the scheduler has already leased; on-demand readers join this refresh. */
  refreshClaimed(claim: RefreshClaim): Promise<UsableCredential> {
    return this.track(claim.connectionId, this.refreshWithLease(claim));
  }

  /** A claimed row was set aside by RefreshRepository (no configured key opens its refresh token). */
  reportSetAside({ connectionId, reason, lastError }: SetAsideClaim): void {
    this.metrics.refreshTokenUnreadable(reason);
    this.logger.error(
      { connectionId, err: lastError },
      'refresh set aside: its refresh token cannot be decrypted',
    );
  }

  /** Lets refreshes that already spent a refresh token finish storing the new one before the pool closes. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled(this.inFlight.values());
  }

  /**
   * The refresh later callers join. An on-demand refresh that lost the lease to a scheduled claim
   * is replaced by it, and must not remove the scheduled one when it settles.
   */
  private track(connectionId: string, refresh: Promise<UsableCredential>): Promise<UsableCredential> {
    const pending = refresh.finally(() => {
      if (this.inFlight.get(connectionId) === pending) this.inFlight.delete(connectionId);
    });
    this.inFlight.set(connectionId, pending);
    return pending;
  }

  private async refreshOnce(
    connectionId: string,
    ifVersion: number | undefined,
    maxLeaseWaitMs: number,
  ): Promise<UsableCredential> {
    const deadline = Date.now() + maxLeaseWaitMs;
    let seenVersion = ifVersion;
    for (;;) {
      const claim = await this.refreshes.claim(connectionId, this.leaseMs, seenVersion);
      if (!('refused' in claim)) return this.refreshWithLease(claim);
      if (claim.refused === 'not_found') throw new ConnectionNotFoundError(connectionId);
      if (claim.refused === 'reauth_required') throw new ReauthRequiredError(connectionId);
      if (claim.refused === 'not_refreshable') throw new NotRefreshableError(connectionId);
      if (claim.refused === 'changed') return this.currentCredential(connectionId);
      if (claim.refused === 'no_refresh_token') return this.withoutRefreshToken(connectionId);
      if (claim.refused === 'unreadable') {
        this.reportSetAside(claim.setAside);
        throw new RefreshTokenUnreadableError(connectionId, claim.setAside.lastError);
      }
      // Another replica holds the lease: its result is ours as soon as the row's version moves.
      seenVersion ??= claim.version;
      if (claim.version !== seenVersion) return this.currentCredential(connectionId);
      if (Date.now() > deadline) {
        throw new SipgateUnavailableProblem('Another broker replica is still refreshing this connection.', 1);
      }
      await sleep(LEASE_POLL_MS);
    }
  }

  /**
   * Nothing can renew this connection's access token. Once that has expired, the connection needs
   * re-authorization, recorded now; until then readers serve the token they have (TokensService).
   */
  private async withoutRefreshToken(connectionId: string): Promise<never> {
    for (const { id, lastError } of await this.unrenewable.markReauthRequired(connectionId)) {
      this.events.emit('connection.reauth_required', id, lastError);
    }
    throw new NoRefreshTokenError(connectionId);
  }

  private async refreshWithLease(claim: RefreshClaim): Promise<UsableCredential> {
    this.guard.hold(claim.connectionId);
    try {
      return await this.spend(claim);
    } finally {
      this.guard.release(claim.connectionId);
    }
  }

  private async spend(claim: RefreshClaim): Promise<UsableCredential> {
    let tokens: TokenSet;
    try {
      tokens = await this.oauth.refresh(claim.refreshToken);
    } catch (error) {
      return this.handleFailure(claim, error);
    }
    const result = describeRefresh(tokens, this.config.refresh.marginSeconds, Date.now());
    const { version, uncertain } = await this.persist(claim, this.refreshes.seal(claim, result));
    if (version === null) {
      // The row moved on while we refreshed (the account was connected again, or disconnected):
      // our tokens belong to a session nobody will use, so end it. Unless an earlier attempt may
      // have committed them: then the row may have moved on *from them* (another replica refreshed
      // with the token we stored), and a logout would end that live session at Keycloak.
      if (tokens.refreshToken && !uncertain)
        void this.oauth.logout(tokens.refreshToken).catch(() => undefined);
      return this.currentCredential(claim.connectionId);
    }
    this.events.emit('connection.refreshed', claim.connectionId);
    if (claim.failureCount > 0) this.events.emit('connection.recovered', claim.connectionId);
    // What was just stored, as the row now holds it: no need to read and decrypt it again.
    return {
      connectionId: claim.connectionId,
      type: 'oauth',
      status: 'active',
      secret: tokens.accessToken,
      expiresAt: result.accessTokenExpiresAt,
      lifetimeSeconds: tokens.expiresIn,
      version,
      retryNotBefore: null,
    };
  }

  /**
   * Retries the write-back until it lands or is refused: the fresh refresh token may be the only
   * valid one. It waits for the database rather than backing off, so that after an outage of any
   * length it stores within a moment of the database's return (lease-rule.ts, invariant 2).
   */
  private async persist(
    claim: RefreshClaim,
    sealed: SealedRefresh,
  ): Promise<{ version: number | null; uncertain: boolean }> {
    for (let attempt = 1; ; attempt++) {
      try {
        // After a failed attempt nobody knows whether it committed (the answer may be what was lost).
        return { version: await this.refreshes.complete(claim, sealed), uncertain: attempt > 1 };
      } catch (error) {
        if (attempt === 1 || attempt % WRITE_BACK_LOG_EVERY === 0) {
          this.logger.error(
            { connectionId: claim.connectionId, attempt, err: describe(error) },
            'storing rotated tokens failed; keeping them in memory and retrying',
          );
        }
        await Promise.all([sleep(WRITE_BACK_RETRY_MS.min), this.database.recheck(WRITE_BACK_RETRY_MS.max)]);
      }
    }
  }

  private async handleFailure(claim: RefreshClaim, error: unknown): Promise<UsableCredential> {
    const id = claim.connectionId;
    if (error instanceof SipgateGrantError) {
      // invalid_grant: the session is gone. invalid_client/unauthorized_client: sipgate refuses the
      // broker's client for this grant; retrying cannot help either, so both stop here (issue 4)
      // and the log says loudly when it is the client configuration rather than the user.
      if (error.clientMisconfigured) {
        this.logger.error(
          { connectionId: id, oauthError: error.oauthError },
          'sipgate rejected the OAuth client credentials',
        );
      }
      const message = error.clientMisconfigured
        ? `sipgate rejected the broker's OAuth client (${error.oauthError}); check SIPGATE_CLIENT_ID/SIPGATE_CLIENT_SECRET, then connect the account again`
        : `sipgate rejected the refresh token (${error.oauthError}); connect the account again`;
      if (await this.refreshes.markReauthRequired(claim, message)) {
        this.events.emit('connection.reauth_required', id, message);
        throw new ReauthRequiredError(id);
      }
      // Before calling the grant dead: the row no longer holds the token we spent, so another
      // replica (or a reconnect) won the race and its fresh tokens stand.
      return this.currentCredential(id);
    }
    // Transient (network, timeout, 5xx, 429, an unusable answer): back off and retry; still-valid
    // tokens keep being served meanwhile and nothing is sent to re-authorize because sipgate was down.
    const retryAfterSeconds = (error as { retryAfterSeconds?: number }).retryAfterSeconds;
    const delayMs = retryDelayMs(claim.failureCount + 1, retryAfterSeconds);
    const message = error instanceof Error ? error.message : 'refresh failed';
    await this.refreshes.recordFailure(claim, message, new Date(Date.now() + delayMs));
    this.events.emit('connection.refresh_failed', id, message);
    this.logger.warn(
      { connectionId: id, err: message, retryInMs: Math.round(delayMs) },
      'refresh failed, will retry',
    );
    throw new SipgateUnavailableProblem(`Refreshing the token at sipgate failed: ${message}`, delayMs / 1000);
  }

  private async currentCredential(connectionId: string): Promise<UsableCredential> {
    const credential = await this.connections.readCredential(connectionId);
    if (!credential) throw new ConnectionNotFoundError(connectionId);
    if (credential.status === 'reauth_required') throw new ReauthRequiredError(connectionId);
    return credential;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
