import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { type Connection, ConnectionStatus, ConnectionType, Prisma, PrismaService } from '#libs/database';
import { AuditRecorder, type AuditContext } from '../audit/audit-recorder.js';
import { ConnectionChangeRecorder } from './connection-change-recorder.js';
import type { ConnectionSnapshot } from './connection-events.js';
import { ConnectionSecrets, type OpenedSecret } from './connection-secrets.js';
import {
  CONNECTION_VIEW_FIELDS,
  type ConnectionView,
  type SipgateIdentity,
  type UsableCredential,
} from './connection.types.js';

export interface ConnectInput extends SipgateIdentity {
  type: ConnectionType;
  label: string | undefined;
  scopes: string[];
  /** OAuth access token, or `tokenId:token` of a PAT. */
  secret: string;
  accessTokenExpiresAt: Date | null;
  accessTokenLifetimeSeconds: number | null;
  refreshToken: string | null;
  refreshTokenExpiresAt: Date | null;
  refreshDueAt: Date | null;
  /** The admin request that connects, recorded in the same transaction; null for the OAuth callback. */
  audit: AuditContext | null;
}

export interface ConnectResult {
  view: ConnectionView;
  /** The refresh token of the session this connect replaced, to be logged out. */
  replacedRefreshToken: OpenedSecret | null;
  /** Null when the connection is new. */
  previousStatus: ConnectionStatus | null;
}

export interface ListFilter {
  status?: ConnectionStatus;
  sipgateUserId?: string;
  limit: number;
  after?: { createdAt: Date; id: string };
}

const UNIQUE_VIOLATION = 'P2002';

@Injectable()
export class ConnectionsRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly secrets: ConnectionSecrets,
    private readonly changes: ConnectionChangeRecorder,
    private readonly audit: AuditRecorder,
  ) {}

  findView(id: string): Promise<ConnectionView | null> {
    return this.prisma.connection.findUnique({ where: { id }, select: CONNECTION_VIEW_FIELDS });
  }

  /** Keyset paging on (createdAt, id): stable under concurrent inserts, no OFFSET scans. */
  list({ status, sipgateUserId, limit, after }: ListFilter): Promise<ConnectionView[]> {
    return this.prisma.connection.findMany({
      where: {
        status,
        sipgateUserId,
        ...(after && {
          OR: [{ createdAt: { gt: after.createdAt } }, { createdAt: after.createdAt, id: { gt: after.id } }],
        }),
      },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take: limit,
      select: CONNECTION_VIEW_FIELDS,
    });
  }

  /** The new label and its audit record in one transaction. */
  relabel(id: string, label: string | null, audit: AuditContext): Promise<ConnectionView | null> {
    return this.prisma.$transaction(async (tx) => {
      const [view] = await tx.connection.updateManyAndReturn({
        where: { id },
        data: { label },
        select: CONNECTION_VIEW_FIELDS,
      });
      if (view) await this.audit.record(tx, audit);
      return view ?? null;
    });
  }

  /**
   * Deletes the row (and with it every secret), recording `connection.disconnected` and the audit
   * record in the same transaction; returns the refresh token for a best-effort logout and what the
   * connection was. Secrets are opened under the id Postgres returns, never the caller's spelling of
   * it: Postgres matches a uuid in any letter case, the associated data only the one it was sealed with.
   */
  async delete(
    id: string,
    audit: AuditContext,
  ): Promise<{ found: boolean; refreshToken: OpenedSecret | null; snapshot?: ConnectionSnapshot }> {
    const [row] = await this.changes.writeAndRecord(this.prisma, 'connection.disconnected', async (db) => {
      const deleted = await db.$queryRaw<(Pick<Connection, 'refreshTokenCiphertext'> & ConnectionSnapshot)[]>`
        DELETE FROM connections WHERE id = ${id}::uuid
        RETURNING id, refresh_token_ciphertext AS "refreshTokenCiphertext", status, label,
                  sipgate_user_id AS "sipgateUserId", sipgate_account_id AS "sipgateAccountId"`;
      if (deleted.length) await this.audit.record(db, audit);
      return deleted;
    });
    if (!row) return { found: false, refreshToken: null };
    const { refreshTokenCiphertext: sealed, ...snapshot } = row;
    return {
      found: true,
      // Already deleted: a token no configured key opens only costs the logout, never the disconnect.
      refreshToken: sealed ? this.secrets.tryOpen(snapshot.id, 'refresh_token', sealed) : null,
      snapshot,
    };
  }

  /** Opened under the id Postgres returns, as `delete` does. */
  async readCredential(id: string): Promise<UsableCredential | null> {
    const row = await this.prisma.connection.findUnique({
      where: { id },
      select: {
        id: true,
        type: true,
        status: true,
        accessTokenCiphertext: true,
        accessTokenExpiresAt: true,
        accessTokenLifetimeSeconds: true,
        version: true,
        failureCount: true,
        refreshDueAt: true,
      },
    });
    if (!row?.accessTokenCiphertext) return null;
    return {
      connectionId: row.id,
      type: row.type,
      status: row.status,
      secret: this.secrets.open(row.id, 'access_token', row.accessTokenCiphertext),
      expiresAt: row.accessTokenExpiresAt,
      lifetimeSeconds: row.accessTokenLifetimeSeconds,
      version: row.version,
      retryNotBefore: row.failureCount > 0 ? row.refreshDueAt : null,
    };
  }

  /**
   * Creates the connection, or updates the one of the same sipgate user and type, keeping its id so
   * consumers' configured ids never change. The row is locked while its secrets are re-sealed under
   * its id; two first connects racing on the unique identity retry once and the loser updates.
   */
  async connect(input: ConnectInput): Promise<ConnectResult> {
    try {
      return await this.connectOnce(input);
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === UNIQUE_VIOLATION) {
        return this.connectOnce(input);
      }
      throw error;
    }
  }

  private connectOnce({ audit, ...input }: ConnectInput): Promise<ConnectResult> {
    return this.prisma.$transaction(async (tx) => {
      const [existing] = await tx.$queryRaw<Pick<Connection, 'id' | 'refreshTokenCiphertext' | 'status'>[]>`
        SELECT id, status, refresh_token_ciphertext AS "refreshTokenCiphertext" FROM connections
        WHERE sipgate_account_id = ${input.sipgateAccountId} AND sipgate_user_id = ${input.sipgateUserId}
          AND type = ${input.type}::"ConnectionType"
        FOR UPDATE`;
      const id = existing?.id ?? randomUUID();
      if (audit) await this.audit.record(tx, { ...audit, targetId: id });
      const data = {
        status: ConnectionStatus.active,
        scopes: input.scopes,
        accessTokenCiphertext: this.secrets.seal(id, 'access_token', input.secret),
        accessTokenExpiresAt: input.accessTokenExpiresAt,
        accessTokenLifetimeSeconds: input.accessTokenLifetimeSeconds,
        refreshTokenCiphertext: input.refreshToken
          ? this.secrets.seal(id, 'refresh_token', input.refreshToken)
          : null,
        refreshTokenExpiresAt: input.refreshTokenExpiresAt,
        refreshDueAt: input.refreshDueAt,
        lastRefreshedAt: input.type === ConnectionType.oauth ? new Date() : null,
        lastError: null,
        failureCount: 0,
        leaseToken: null,
        leaseExpiresAt: null,
      };
      if (!existing) {
        const view = await tx.connection.create({
          data: {
            id,
            type: input.type,
            label: input.label ?? null,
            sipgateAccountId: input.sipgateAccountId,
            sipgateUserId: input.sipgateUserId,
            ...data,
          },
          select: CONNECTION_VIEW_FIELDS,
        });
        await this.changes.record(tx, [{ type: 'connection.connected', connection: view }]);
        return { view, replacedRefreshToken: null, previousStatus: null };
      }
      const view = await tx.connection.update({
        where: { id },
        // A reconnect without a label keeps the one the admin gave before.
        data: {
          ...data,
          ...(input.label !== undefined && { label: input.label }),
          version: { increment: 1 },
        },
        select: CONNECTION_VIEW_FIELDS,
      });
      await this.changes.record(tx, [
        { type: 'connection.connected', connection: view },
        ...(existing.status === ConnectionStatus.reauth_required
          ? [{ type: 'connection.recovered' as const, connection: view }]
          : []),
      ]);
      const old = existing.refreshTokenCiphertext;
      // Connecting again is how an admin repairs a connection whose tokens no key opens any more.
      const replacedRefreshToken = old ? this.secrets.tryOpen(id, 'refresh_token', old) : null;
      return { view, replacedRefreshToken, previousStatus: existing.status };
    });
  }
}
