import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { BrokerConfig } from '#libs/config';
import type { Prisma, PrismaService } from '#libs/database';
import { notifyOnCommit } from '../change-feed/notify-on-commit.js';
import { InjectConfig } from '../config/config.module.js';
import { WEBHOOK_EVENT_TYPES, webhookBody } from '../webhooks/webhook-payload.js';
import type { ConnectionEventType, ConnectionSnapshot } from './connection-events.js';

/** The connection columns a webhook tells about (ConnectionSnapshot), for `select`/`RETURNING`. */
export const SNAPSHOT_FIELDS = {
  id: true,
  status: true,
  sipgateUserId: true,
  sipgateAccountId: true,
  label: true,
} as const;

export interface ConnectionChange {
  type: ConnectionEventType;
  connection: ConnectionSnapshot;
}

/**
 * Records a connection's state change in the transaction that makes it, so that the change and
 * what others learn of it commit together or not at all, whatever crashes in between:
 * - the change notice (NOTIFY on commit) that makes every replica drop its cached token: a
 *   disconnected PAT, which never expires, must not stay servable on another replica because this
 *   one died, or its database connection did, right after the commit;
 * - the webhook events (rows of the `webhook_events` outbox, when BROKER_WEBHOOK_URL is set),
 *   which the sender then delivers at least once.
 * A scheduled refresh is the one change recorded otherwise (see ConnectionEvents): its write-back is
 * a single statement on the hot path, and a replica that misses its notice serves the previous
 * access token, which stays valid until it expires.
 */
@Injectable()
export class ConnectionChangeRecorder {
  constructor(@InjectConfig() private readonly config: BrokerConfig) {}

  /** Runs `write`, a statement returning the connections it changed, and records them, in one transaction. */
  writeAndRecord<Row extends ConnectionSnapshot>(
    prisma: PrismaService,
    type: ConnectionEventType,
    write: (db: Prisma.TransactionClient) => Promise<Row[]>,
  ): Promise<Row[]> {
    return prisma.$transaction(async (tx) => {
      const rows = await write(tx);
      await this.record(
        tx,
        rows.map((connection) => ({ type, connection })),
      );
      return rows;
    });
  }

  /** Records changes within the caller's transaction; webhook events in the given order. */
  async record(tx: Prisma.TransactionClient, changes: readonly ConnectionChange[]): Promise<void> {
    for (const id of new Set(changes.map(({ connection }) => connection.id))) {
      await notifyOnCommit(tx, 'connection', id);
    }
    if (!this.config.webhook) return;
    const occurredAt = new Date();
    const data = changes
      .filter(({ type }) => WEBHOOK_EVENT_TYPES.includes(type))
      .map(({ type, connection }) => {
        const id = randomUUID();
        const body = webhookBody(id, type, occurredAt, connection);
        return { id, type, connectionId: connection.id, body, occurredAt };
      });
    // One statement: rows take their `seq` (the delivery order per connection) in array order.
    if (data.length) await tx.webhookEvent.createMany({ data });
  }
}
