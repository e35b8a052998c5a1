import { Module } from '@nestjs/common';
import { ConnectionsModule } from '../connections/connections.module.js';
import { WebhookOutboxRepository } from './webhook-outbox.repository.js';
import { WebhookRecorder } from './webhook-recorder.js';
import { WebhookScheduler } from './webhook-scheduler.js';
import { WebhookSender } from './webhook-sender.js';

/** Connection events to BROKER_WEBHOOK_URL, through a durable outbox (see webhook-outbox.repository.ts). */
@Module({
  imports: [ConnectionsModule],
  providers: [WebhookOutboxRepository, WebhookSender, WebhookRecorder, WebhookScheduler],
  exports: [WebhookSender],
})
export class WebhooksModule {}
