import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ConnectionStatus, type Prisma, PrismaService } from '#libs/database';
import type { TokenSet } from '#libs/sipgate';
import { AuditRecorder, type AuditContext } from '../audit/audit-recorder.js';
import { ConnectionChangeRecorder, SNAPSHOT_FIELDS } from '../connections/connection-change-recorder.js';
import { ConnectionSecrets } from '../connections/connection-secrets.js';
import { claimDueQuery } from './claim-due.query.js';
import { claimable } from './lease-rule.js';
import { TakeoverGuard } from './takeover-guard.js';
import { setAsideStatement, type SetAsideClaim, type UnreadableLease } from './set-aside.js';

/** A replica's exclusive right, until `leaseExpiresAt`, to spend the connection's refresh token. */
export interface RefreshClaim {
  connectionId: string;
  leaseToken: string;
  /** The sealed refresh token being spent: the compare-and-swap value of every write-back. */
  consumed: Uint8Array;
  refreshToken: string;
  failureCount: number;
  /** When a scheduled claim (claimDue) was due, for the refresh lag metric; null on demand. */
  refreshDueAt: Date | null;
}

/** A claim's row as the lease statement returns it, before its refresh token is opened. */
type LeasedRow = Omit<RefreshClaim, 'refreshToken'>;

/** Leased rows whose refresh tokens opened, and those set aside because none could (set-aside.ts). */
export interface ClaimedBatch {
  claims: RefreshClaim[];
  setAside: SetAsideClaim[];
}

export type ClaimRefusal =
  | { refused: 'not_found' }
  | { refused: 'reauth_required' }
  | { refused: 'not_refreshable' }
  /** The row's version is no longer the one the caller found too old: someone refreshed meanwhile. */
  | { refused: 'changed' }
  /** An OAuth connection stored without a refresh token (sipgate sent none): nothing to spend. */
  | { refused: 'no_refresh_token' }
  /** No configured key opens its refresh token: the row was set aside. */
  | { refused: 'unreadable'; setAside: SetAsideClaim }
  | { refused: 'leased'; version: number };

export interface RefreshedTokens {
  tokens: TokenSet;
  accessTokenExpiresAt: Date;
  refreshTokenExpiresAt: Date | null | undefined;
  refreshDueAt: Date;
  /** A warning worth showing an admin (e.g. the refresh token runs out before the next refresh). */
  lastError: string | null;
}

/** A refresh's tokens sealed once, so that every attempt to store them writes the same ciphertexts. */
export interface SealedRefresh {
  result: RefreshedTokens;
  accessToken: Uint8Array<ArrayBuffer>;
  /** Null: sipgate sent no new refresh token, and the spent one stays valid. */
  refreshToken: Uint8Array<ArrayBuffer> | null;
}

/**
 * The refresher's queries on `connections`. Concurrency rules, for any number of replicas:
 * - A refresh token is spent only under a lease taken by a single conditional UPDATE (the row lock
 *   makes it atomic); lease times use the database clock, so replica clock skew cannot matter. When
 *   a lease counts as free is the lease rule's (lease-rule.ts), applied to every statement that may
 *   take a row with this process's standing (TakeoverGuard).
 * - Results are written back by compare-and-swap on the refresh token that was spent, not on the
 *   lease: a replica whose lease ran out (the database was away while it held fresh tokens) may
 *   still store them, because as long as the row holds the token it spent nobody has newer ones;
 *   once anything else replaced that token (a reconnect, another refresh), its stale write is refused.
 */
@Injectable()
export class RefreshRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly secrets: ConnectionSecrets,
    private readonly changes: ConnectionChangeRecorder,
    private readonly audit: AuditRecorder,
    private readonly guard: TakeoverGuard,
  ) {}

  /** Records an admin's "refresh now" if the connection is one to refresh: refusals are not recorded. */
  async recordRefreshRequest(connectionId: string, audit: AuditContext): Promise<void> {
    const refreshable = await this.prisma.connection.count({
      where: { id: connectionId, type: 'oauth', status: 'active', refreshTokenCiphertext: { not: null } },
    });
    if (refreshable) await this.audit.record(this.prisma, audit);
  }

  /**
   * `ifVersion`: claim only if the row still holds that version (the caller found its token too old).
   * The claim carries the id Postgres returns, under which the secrets were sealed and are sealed again.
   */
  async claim(
    connectionId: string,
    leaseMs: number,
    ifVersion?: number,
  ): Promise<RefreshClaim | ClaimRefusal> {
    const leaseToken = randomUUID();
    const [row] = await this.prisma.$queryRaw<{ id: string; consumed: Uint8Array; failureCount: number }[]>`
      UPDATE connections
         SET lease_token = ${leaseToken}::uuid, lease_expires_at = now() + make_interval(secs => ${leaseMs / 1000}::float8)
       WHERE id = ${connectionId}::uuid AND type = 'oauth' AND status = 'active'
         AND refresh_token_ciphertext IS NOT NULL
         AND ${claimable(this.guard.standing())}
         AND (${ifVersion ?? null}::int IS NULL OR version = ${ifVersion ?? null}::int)
      RETURNING id, refresh_token_ciphertext AS consumed, failure_count AS "failureCount"`;
    if (row) {
      const batch = await this.openLeased([
        {
          connectionId: row.id,
          leaseToken,
          consumed: row.consumed,
          failureCount: row.failureCount,
          refreshDueAt: null,
        },
      ]);
      return batch.claims[0] ?? { refused: 'unreadable', setAside: batch.setAside[0]! };
    }
    const current = await this.prisma.connection.findUnique({
      where: { id: connectionId },
      select: { type: true, status: true, version: true, refreshTokenCiphertext: true },
    });
    if (!current) return { refused: 'not_found' };
    if (current.status === ConnectionStatus.reauth_required) return { refused: 'reauth_required' };
    if (current.type !== 'oauth') return { refused: 'not_refreshable' };
    if (ifVersion !== undefined && current.version !== ifVersion) return { refused: 'changed' };
    if (!current.refreshTokenCiphertext) return { refused: 'no_refresh_token' };
    return { refused: 'leased', version: current.version };
  }

  /** Leases up to `limit` due connections (see claimDueQuery) and opens their refresh tokens. */
  async claimDue(limit: number, leaseMs: number): Promise<ClaimedBatch> {
    return this.openLeased(
      await this.prisma.$queryRaw<LeasedRow[]>(claimDueQuery(limit, leaseMs / 1000, this.guard.standing())),
    );
  }

  /**
   * Opens the refresh tokens of rows just leased. One that no configured key opens must not fail
   * the others (they would stay leased, and be claimed with it again and again): it is set aside,
   * all such rows of a batch in one statement, and the rest is returned to be refreshed.
   */
  private async openLeased(rows: LeasedRow[]): Promise<ClaimedBatch> {
    const claims: RefreshClaim[] = [];
    const unreadable: UnreadableLease[] = [];
    for (const row of rows) {
      const opened = this.secrets.tryOpen(row.connectionId, 'refresh_token', row.consumed);
      if ('plaintext' in opened) claims.push({ ...row, refreshToken: opened.plaintext });
      else unreadable.push({ ...row, error: opened.unreadable });
    }
    if (!unreadable.length) return { claims, setAside: [] };
    const released = setAsideStatement(unreadable);
    await this.prisma.$executeRaw(released.query);
    return { claims, setAside: released.setAside };
  }

  /** Seals a refresh's tokens for `complete`, once per refresh (see SealedRefresh). */
  seal(claim: RefreshClaim, result: RefreshedTokens): SealedRefresh {
    const id = claim.connectionId;
    const { accessToken, refreshToken } = result.tokens;
    return {
      result,
      accessToken: this.secrets.seal(id, 'access_token', accessToken),
      refreshToken: refreshToken ? this.secrets.seal(id, 'refresh_token', refreshToken) : null,
    };
  }

  /**
   * Stores rotated tokens and releases the lease in one statement, returning the row's new version.
   * Null: the row is no longer as the claim found it (the spent token was replaced, or the row left
   * `active`), so this late write must not undo what happened meanwhile: a connection another
   * replica marked reauth_required after spending the same token (the lease rule's residual case)
   * stays so, instead of silently holding tokens of a session sipgate has ended. The lease is not
   * part of it: a holder whose lease ran out may still store (see the class comment).
   */
  async complete(claim: RefreshClaim, sealed: SealedRefresh): Promise<number | null> {
    const { result } = sealed;
    // The row holds the spent token, or, when an earlier attempt committed but its acknowledgement
    // was lost (the connection dropped after COMMIT), the very ciphertext this refresh wrote: that is
    // still this refresh's row to complete, not another replica's win.
    const current = sealed.refreshToken
      ? [Buffer.from(claim.consumed), sealed.refreshToken]
      : [Buffer.from(claim.consumed)];
    const write = (db: Prisma.TransactionClient) =>
      db.connection.updateManyAndReturn({
        where: {
          id: claim.connectionId,
          status: ConnectionStatus.active,
          refreshTokenCiphertext: { in: current },
        },
        data: {
          status: ConnectionStatus.active,
          accessTokenCiphertext: sealed.accessToken,
          accessTokenExpiresAt: result.accessTokenExpiresAt,
          accessTokenLifetimeSeconds: result.tokens.expiresIn,
          // A response without a refresh token means the old one stays valid: keep it.
          ...(sealed.refreshToken && { refreshTokenCiphertext: sealed.refreshToken }),
          ...(result.refreshTokenExpiresAt !== undefined && {
            refreshTokenExpiresAt: result.refreshTokenExpiresAt,
          }),
          ...(result.tokens.scopes.length && { scopes: result.tokens.scopes }),
          refreshDueAt: result.refreshDueAt,
          lastRefreshedAt: new Date(),
          lastError: result.lastError,
          failureCount: 0,
          leaseToken: null,
          leaseExpiresAt: null,
          version: { increment: 1 },
        },
        select: { version: true, ...SNAPSHOT_FIELDS },
      });
    // A refresh after failures is a recovery, recorded with it (a webhook); a plain one stays a single
    // statement, announced after the commit (ConnectionEvents).
    const [row] =
      claim.failureCount > 0
        ? await this.changes.writeAndRecord(this.prisma, 'connection.recovered', write)
        : await write(this.prisma);
    return row?.version ?? null;
  }

  /** False: the spent token was replaced meanwhile (another replica won), so the grant is not dead. */
  async markReauthRequired(claim: RefreshClaim, lastError: string): Promise<boolean> {
    const marked = await this.changes.writeAndRecord(this.prisma, 'connection.reauth_required', (db) =>
      db.connection.updateManyAndReturn({
        where: { id: claim.connectionId, refreshTokenCiphertext: { equals: Buffer.from(claim.consumed) } },
        data: {
          status: ConnectionStatus.reauth_required,
          lastError,
          refreshDueAt: null,
          leaseToken: null,
          leaseExpiresAt: null,
          version: { increment: 1 },
        },
        select: SNAPSHOT_FIELDS,
      }),
    );
    return marked.length === 1;
  }

  /** A transient failure: release the lease and schedule the next attempt. Fenced by the lease. */
  async recordFailure(claim: RefreshClaim, lastError: string, retryAt: Date): Promise<void> {
    await this.prisma.connection.updateMany({
      where: { id: claim.connectionId, leaseToken: claim.leaseToken },
      data: {
        lastError,
        failureCount: { increment: 1 },
        refreshDueAt: retryAt,
        leaseToken: null,
        leaseExpiresAt: null,
      },
    });
  }

  async currentVersion(connectionId: string): Promise<number | null> {
    const row = await this.prisma.connection.findUnique({
      where: { id: connectionId },
      select: { version: true },
    });
    return row?.version ?? null;
  }
}
