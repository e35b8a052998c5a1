import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { BrokerConfig } from '#libs/config';
import type { Prisma, PrismaService } from '#libs/database';
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

export interface OutboxEvent {
  type: ConnectionEventType;
  connection: ConnectionSnapshot;
}

/**
 * Writes the webhook events of a connection's state change into the outbox (`webhook_events`) in
 * the transaction that makes the change: both commit or neither does, so a crash can neither
 * lose an event whose change happened nor send one whose change did not. Repositories call it
 * with their transaction; the sender delivers from the table (webhooks/).
 */
@Injectable()
export class ConnectionEventOutbox {
  constructor(@InjectConfig() private readonly config: BrokerConfig) {}

  /** Without BROKER_WEBHOOK_URL nothing is recorded, and callers need no transaction for it. */
  get enabled(): boolean {
    return this.config.webhook !== null;
  }

  /**
   * Runs `write`, a statement that returns the connections it changed, and records `type` for each
   * of them in the same transaction. Without webhooks `write` runs alone: no transaction to pay for.
   */
  async writeAndRecord<Row extends ConnectionSnapshot>(
    prisma: PrismaService,
    type: ConnectionEventType,
    write: (db: Prisma.TransactionClient) => Promise<Row[]>,
  ): Promise<Row[]> {
    if (!this.enabled) return write(prisma);
    return prisma.$transaction(async (tx) => {
      const rows = await write(tx);
      await this.record(
        tx,
        rows.map((connection) => ({ type, connection })),
      );
      return rows;
    });
  }

  /** Records the events that are sent as webhooks (see WEBHOOK_EVENT_TYPES), in the given order. */
  async record(tx: Prisma.TransactionClient, events: readonly OutboxEvent[]): Promise<void> {
    if (!this.enabled) return;
    const occurredAt = new Date();
    const data = events
      .filter(({ type }) => WEBHOOK_EVENT_TYPES.includes(type))
      .map(({ type, connection }) => {
        const id = randomUUID();
        return {
          id,
          type,
          connectionId: connection.id,
          body: webhookBody(id, type, occurredAt, connection),
          occurredAt,
        };
      });
    // One statement: rows take their `seq` (the delivery order per connection) in array order.
    if (data.length) await tx.webhookEvent.createMany({ data });
  }
}
