import { Injectable } from '@nestjs/common';
import { PrismaService } from '#libs/database';
import { ConnectionChangeRecorder } from '../connections/connection-change-recorder.js';
import type { ConnectionSnapshot } from '../connections/connection-events.js';
import { claimable } from './lease-rule.js';
import { TakeoverGuard } from './takeover-guard.js';

export type MarkedConnection = ConnectionSnapshot & { lastError: string };

/**
 * OAuth connections that can never be refreshed again: their refresh token has run out, or they
 * have none (sipgate sent none) and their access token has expired. Until then such a connection
 * is `active` and its token is served. Not while a refresher may still be storing a token it got
 * just before the end (the lease rule), or its write-back would be refused and the session lost.
 */
@Injectable()
export class UnrenewableConnectionsRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly changes: ConnectionChangeRecorder,
    private readonly guard: TakeoverGuard,
  ) {}

  /**
   * Marks them `reauth_required` now, instead of letting readers find out one by one: all of them
   * (the housekeeping), or just `connectionId` (a reader found nothing to refresh it with).
   */
  markReauthRequired(connectionId?: string): Promise<MarkedConnection[]> {
    return this.changes.writeAndRecord(
      this.prisma,
      'connection.reauth_required',
      (db) => db.$queryRaw<MarkedConnection[]>`
        UPDATE connections
           SET status = 'reauth_required', refresh_due_at = NULL, version = version + 1, updated_at = now(),
               last_error = CASE WHEN refresh_token_ciphertext IS NULL
                 THEN 'sipgate issued no refresh token for this connection, so its access token could not be renewed when it expired; connect the account again'
                 ELSE 'the refresh token expired at ' || to_char(refresh_token_expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || '; connect the account again'
               END
         WHERE type = 'oauth' AND status = 'active'
           AND (refresh_token_expires_at < now()
                OR (refresh_token_ciphertext IS NULL AND access_token_expires_at <= now()))
           AND ${claimable(this.guard.standing())}
           AND (${connectionId ?? null}::uuid IS NULL OR id = ${connectionId ?? null}::uuid)
        RETURNING id, status, label, sipgate_user_id AS "sipgateUserId", sipgate_account_id AS "sipgateAccountId",
                  last_error AS "lastError"`,
    );
  }
}
