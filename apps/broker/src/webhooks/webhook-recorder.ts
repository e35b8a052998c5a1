import { randomUUID } from 'node:crypto';
import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { BrokerConfig } from '#libs/config';
import { InjectConfig } from '../config/config.module.js';
import { type ConnectionEvent, ConnectionEvents } from '../connections/connection-events.js';
import { ConnectionsRepository } from '../connections/connections.repository.js';
import { WebhookOutboxRepository } from './webhook-outbox.repository.js';
import { WEBHOOK_EVENT_TYPES, webhookBody } from './webhook-payload.js';
import { WebhookSender } from './webhook-sender.js';

/**
 * Turns connection events into outbox rows. The listener returns at once: the insert runs on its
 * own, so a refresh or a connect never waits for it, and a failed insert is logged, never thrown
 * into the code that emitted the event. (The price: an event is lost if the process dies in the
 * moment between the state change and its insert; once inserted, it is delivered at least once.)
 */
@Injectable()
export class WebhookRecorder implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookRecorder.name);
  /**
   * The last recording per connection. A connection's events are recorded one after another, in
   * the order they were emitted (connected, then recovered), since the outbox delivers them in
   * recording order; different connections are recorded in parallel.
   */
  private readonly recording = new Map<string, Promise<void>>();

  constructor(
    @InjectConfig() private readonly config: BrokerConfig,
    private readonly events: ConnectionEvents,
    private readonly connections: ConnectionsRepository,
    private readonly outbox: WebhookOutboxRepository,
    private readonly sender: WebhookSender,
  ) {}

  onModuleInit(): void {
    if (!this.config.webhook) return;
    this.events.on((event) => {
      if (WEBHOOK_EVENT_TYPES.includes(event.type)) this.enqueue(event);
    });
  }

  /** Events of the last moments still go into the outbox before the pool closes. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled(this.recording.values());
  }

  private enqueue(event: ConnectionEvent): void {
    const id = event.connectionId;
    const previous = this.recording.get(id) ?? Promise.resolve();
    // record() never rejects, so one failed insert does not hold up the connection's later events.
    const current = previous.then(() => this.record(event));
    this.recording.set(id, current);
    void current.finally(() => {
      if (this.recording.get(id) === current) this.recording.delete(id);
    });
  }

  private async record(event: ConnectionEvent): Promise<void> {
    try {
      // The row as it is now; a disconnected event brings its own, the row being gone.
      const connection = event.connection ?? (await this.connections.findView(event.connectionId));
      if (!connection) {
        this.logger.warn(
          { connectionId: event.connectionId, type: event.type },
          'connection vanished before its webhook event was recorded; not sent',
        );
        return;
      }
      const id = randomUUID();
      await this.outbox.insert({
        id,
        type: event.type,
        connectionId: event.connectionId,
        body: webhookBody(id, event.type, event.occurredAt, connection),
        occurredAt: event.occurredAt,
      });
    } catch (error) {
      this.logger.error(
        {
          connectionId: event.connectionId,
          type: event.type,
          err: error instanceof Error ? error.message : String(error),
        },
        'recording a webhook event failed; it will not be sent',
      );
      return;
    }
    // Deliver now rather than at the next poll; the sender runs on its own, nobody waits for it.
    void this.sender.run();
  }
}
