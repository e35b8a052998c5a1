import { Module } from '@nestjs/common';
import { ConnectionsModule } from '../connections/connections.module.js';
import { WebhookOutboxRepository } from './webhook-outbox.repository.js';
import { WebhookScheduler } from './webhook-scheduler.js';
import { WebhookSender } from './webhook-sender.js';

/**
 * Connection events to BROKER_WEBHOOK_URL, through a durable outbox (see webhook-outbox.repository.ts)
 * that repositories write in the transaction of each change (ConnectionChangeRecorder).
 */
@Module({
  imports: [ConnectionsModule],
  providers: [WebhookOutboxRepository, WebhookSender, WebhookScheduler],
  exports: [WebhookSender],
})
export class WebhooksModule {}
