import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import pg from 'pg';
import { PrismaService } from '#libs/database';
import {
  CHANGE_CHANNEL,
  type ChangeKind,
  type ChangeNotice,
  decodeNotice,
  encodeNotice,
} from './change-notice.js';
import { reconnectDelay } from './reconnect-delay.js';

export interface ChangeFeedOptions {
  /** First wait before reconnecting; doubles per failed attempt up to `maxReconnectDelayMs`. */
  initialReconnectDelayMs: number;
  maxReconnectDelayMs: number;
  /** The idle listener runs `SELECT 1` this often: a half-open TCP connection sends no error by itself. */
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
}

export const CHANGE_FEED_OPTIONS = Symbol('CHANGE_FEED_OPTIONS');

const DEFAULT_OPTIONS: ChangeFeedOptions = {
  initialReconnectDelayMs: 250,
  maxReconnectDelayMs: 10_000,
  heartbeatIntervalMs: 15_000,
  heartbeatTimeoutMs: 5_000,
};

/** Shows up in pg_stat_activity, so operators (and tests) can tell the listener from pool connections. */
export const LISTENER_APPLICATION_NAME = 'broker-change-feed';

const ignore = () => undefined;

/**
 * Cross-replica cache invalidation over Postgres LISTEN/NOTIFY. A dedicated connection LISTENs (a
 * pooled one would be handed to queries and lose the subscription); when it drops, it reconnects
 * with capped backoff. Notices sent while it was down are lost for good, so every (re)connect fires
 * `onResync`: subscribers must then forget everything they cached. Nothing here may crash the
 * process: listener and handler failures are logged and retried.
 */
@Injectable()
export class ChangeFeed implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ChangeFeed.name);
  private readonly options: ChangeFeedOptions;
  private readonly subscribers = new Set<(notice: ChangeNotice) => void>();
  private readonly resyncHandlers = new Set<() => void>();
  private client: pg.Client | undefined;
  private listening = false;
  private failures = 0;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly prisma: PrismaService,
    @Optional() @Inject(CHANGE_FEED_OPTIONS) options?: Partial<ChangeFeedOptions>,
  ) {
    this.options = { ...DEFAULT_OPTIONS, ...options };
  }

  /** True while the listener is connected and subscribed; false means notices are being missed. */
  get healthy(): boolean {
    return this.listening;
  }

  /** Called for every notice from any replica. Returns the unsubscribe function. */
  subscribe(handler: (notice: ChangeNotice) => void): () => void {
    this.subscribers.add(handler);
    return () => this.subscribers.delete(handler);
  }

  /** Called on every (re)connect of the listener: flush caches, notices may have been missed. */
  onResync(handler: () => void): () => void {
    this.resyncHandlers.add(handler);
    return () => this.resyncHandlers.delete(handler);
  }

  /**
   * Announces a change that has already been committed, to every replica; this one's subscribers get
   * it at once. Inside a transaction use `notifyOnCommit` instead.
   */
  async publish(kind: ChangeKind, id: string): Promise<void> {
    await this.prisma.pool.query('SELECT pg_notify($1, $2)', [CHANGE_CHANNEL, encodeNotice({ kind, id })]);
    this.deliverLocally(kind, id);
  }

  /**
   * Hands a notice to this process's subscribers without waiting for it to come back through
   * Postgres, so the very next request on this replica sees the change. Subscribers will receive it a
   * second time from the listener; invalidation is idempotent.
   */
  deliverLocally(kind: ChangeKind, id: string): void {
    this.dispatch({ kind, id });
  }

  /** The first connection attempt is awaited so a replica listens before it serves; failures retry. */
  async start(): Promise<void> {
    this.stopped = false;
    if (!this.client && !this.retryTimer) await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const client = this.detach();
    // end() destroys the socket itself when a query hangs; the race only bounds a dead network.
    if (client) await Promise.race([client.end().catch(ignore), sleep(1_000)]);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  private async connect(): Promise<void> {
    this.retryTimer = undefined;
    if (this.stopped) return;
    const client = new pg.Client({
      ...this.prisma.pool.options,
      application_name: LISTENER_APPLICATION_NAME,
    });
    this.client = client;
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    client.on('notification', (message) => {
      if (message.channel === CHANGE_CHANNEL) this.receive(message.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGE_CHANNEL}`);
    } catch (error) {
      this.lost(client, error);
      return;
    }
    if (this.client !== client) return; // stopped or lost while connecting
    this.listening = true;
    if (this.failures > 0) this.logger.log({ attempts: this.failures }, 'change feed listener reconnected');
    this.failures = 0;
    this.heartbeatTimer = setInterval(() => this.heartbeat(client), this.options.heartbeatIntervalMs).unref();
    for (const handler of this.resyncHandlers) this.safely(() => handler(), 'resync handler failed');
  }

  /** Handles a failed connect, a dropped connection and a failed heartbeat alike, once per client. */
  private lost(client: pg.Client, error: unknown): void {
    if (this.client !== client) return;
    this.detach();
    void client.end().catch(ignore);
    if (this.stopped) return;
    const delay = reconnectDelay(this.failures++, {
      initialMs: this.options.initialReconnectDelayMs,
      maxMs: this.options.maxReconnectDelayMs,
    });
    this.logger.warn(
      { err: errorMessage(error), retryInMs: delay, attempt: this.failures },
      'change feed listener disconnected; cache notices are missed until it reconnects',
    );
    this.retryTimer = setTimeout(() => void this.connect(), delay).unref();
  }

  private detach(): pg.Client | undefined {
    const client = this.client;
    this.client = undefined;
    this.listening = false;
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
    if (client) {
      client.removeAllListeners();
      client.on('error', ignore); // a late socket error must not become an unhandled 'error' event
    }
    return client;
  }

  private heartbeat(client: pg.Client): void {
    const timeout = setTimeout(
      () => this.lost(client, new Error('heartbeat timed out')),
      this.options.heartbeatTimeoutMs,
    ).unref();
    client.query('SELECT 1').then(
      () => clearTimeout(timeout),
      (error: unknown) => {
        clearTimeout(timeout);
        this.lost(client, error);
      },
    );
  }

  private receive(payload: string | undefined): void {
    const notice = decodeNotice(payload);
    if (notice) this.dispatch(notice);
    else this.logger.warn({ channel: CHANGE_CHANNEL }, 'ignoring a malformed change notice');
  }

  private dispatch(notice: ChangeNotice): void {
    for (const handler of this.subscribers)
      this.safely(() => handler(notice), 'change notice handler failed');
  }

  /** One failing subscriber must neither starve the others nor kill the listener. */
  private safely(work: () => void, message: string): void {
    try {
      work();
    } catch (error) {
      this.logger.error({ err: errorMessage(error) }, message);
    }
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
