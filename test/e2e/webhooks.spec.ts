import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { WebhookSender } from '../../apps/broker/src/webhooks/webhook-sender.js';
import { verifyWebhookSignature } from '../../apps/broker/src/webhooks/webhook-signature.js';
import { connectOAuth, readToken, type ConnectionJson } from '../support/connect-flow.js';
import { sql } from '../support/sql.js';
import { startSandboxedBroker, type SandboxedBroker } from '../support/sandboxed-broker.js';
import { waitFor } from '../support/wait-for.js';
import {
  closedPort,
  type ReceivedWebhook,
  startWebhookReceiver,
  type WebhookReceiver,
} from '../support/webhook-receiver.js';

const SECRET = 'whsec-test-0123456789abcdef0123456789';

type Payload = {
  id: string;
  type: string;
  occurredAt: string;
  connection: {
    id: string;
    status: string;
    sipgateUserId: string;
    sipgateAccountId: string;
    label: string | null;
  };
};

const about =
  (type: string, connectionId: string) =>
  ({ body }: ReceivedWebhook): boolean => {
    const payload = JSON.parse(body) as Payload;
    return payload.type === type && payload.connection.id === connectionId;
  };

/** What a receiver does: recompute the HMAC over "<timestamp>.<raw body>" with the shared secret. */
function expectSigned(hook: ReceivedWebhook): Payload {
  const timestamp = String(hook.headers['x-broker-timestamp']);
  const expected = createHmac('sha256', SECRET).update(`${timestamp}.${hook.body}`).digest('hex');
  expect(hook.headers['x-broker-signature']).toBe(`sha256=${expected}`);
  const signature = String(hook.headers['x-broker-signature']);
  expect(verifyWebhookSignature(SECRET, { timestamp, signature }, hook.body)).toBe(true);
  expect(verifyWebhookSignature(`${SECRET}-other`, { timestamp, signature }, hook.body)).toBe(false);
  const payload = JSON.parse(hook.body) as Payload;
  expect(hook.headers['content-type']).toBe('application/json');
  expect(hook.headers['x-broker-event']).toBe(payload.type);
  expect(hook.headers['x-broker-delivery']).toBe(payload.id);
  return payload;
}

async function outboxOf(broker: SandboxedBroker, connectionId: string) {
  return sql<{ type: string; status: string; attempts: number; last_error: string | null }>(
    broker.database.url,
    `SELECT type, status, attempts, last_error FROM webhook_events WHERE connection_id = $1 ORDER BY seq`,
    [connectionId],
  );
}

const refresh = (broker: SandboxedBroker, id: string) =>
  broker.app.inject({ method: 'POST', url: `/v1/connections/${id}/refresh`, headers: broker.admin });

describe('webhooks to a receiver that is up', () => {
  let receiver: WebhookReceiver;
  let broker: SandboxedBroker;
  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    broker = await startSandboxedBroker({
      env: { BROKER_WEBHOOK_URL: receiver.url, BROKER_WEBHOOK_SECRET: SECRET },
    });
  });
  afterAll(async () => {
    await broker.close();
    await receiver.close();
  });

  it('delivers signed events for connect, reauth, recovery and disconnect, in order', async () => {
    const connection: ConnectionJson = await connectOAuth(broker, { sub: 'w1', label: 'Hotline' });
    const token = (await readToken(broker, connection.id)).json<{ accessToken: string }>().accessToken;
    const connected = expectSigned(await receiver.next(about('connection.connected', connection.id)));
    expect(connected.connection).toEqual({
      id: connection.id,
      status: 'active',
      sipgateUserId: 'w1',
      sipgateAccountId: connection.sipgateAccountId,
      label: 'Hotline',
    });

    // sipgate ends the grant; the next refresh finds out.
    broker.sandbox.revokeGrantsOf('w1', connection.sipgateAccountId);
    expect((await refresh(broker, connection.id)).statusCode).toBe(409);
    const reauth = expectSigned(await receiver.next(about('connection.reauth_required', connection.id)));
    expect(reauth.connection.status).toBe('reauth_required');

    // The admin connects the account again: same connection, recovered.
    const again = await connectOAuth(broker, { sub: 'w1' });
    expect(again.id).toBe(connection.id);
    const recovered = expectSigned(await receiver.next(about('connection.recovered', connection.id)));
    expect(recovered.connection).toMatchObject({ status: 'active', label: 'Hotline' });

    const deleted = await broker.app.inject({
      method: 'DELETE',
      url: `/v1/connections/${connection.id}`,
      headers: broker.admin,
    });
    expect(deleted.statusCode).toBe(204);
    const gone = expectSigned(await receiver.next(about('connection.disconnected', connection.id)));
    expect(gone.connection).toMatchObject({ id: connection.id, sipgateUserId: 'w1', label: 'Hotline' });

    const mine = receiver.received.filter(({ body }) => body.includes(connection.id));
    expect(mine.map((hook) => (JSON.parse(hook.body) as Payload).type)).toEqual([
      'connection.connected',
      'connection.reauth_required',
      'connection.connected',
      'connection.recovered',
      'connection.disconnected',
    ]);
    expect(new Set(mine.map((hook) => hook.headers['x-broker-delivery'])).size).toBe(5);
    for (const hook of mine) expect(hook.body).not.toContain(token);
    expect(
      await waitFor(async () =>
        (await outboxOf(broker, connection.id)).every((e) => e.status === 'delivered'),
      ),
    ).toBe(true);
  });

  it('writes each event in the transaction of its change: if the event cannot be stored, nothing changes', async () => {
    const connection = await connectOAuth(broker, { sub: 'w0', masterSipId: '2556404' });
    // There the moment the change is, not written afterwards by a listener.
    expect((await outboxOf(broker, connection.id)).map((e) => e.type)).toEqual(['connection.connected']);
    // A refresh that works again after failing: the refresher's compare-and-swap carries the event.
    broker.sandbox.setTokenEndpointFault({ status: 503 });
    try {
      expect((await refresh(broker, connection.id)).statusCode).toBe(503);
    } finally {
      broker.sandbox.setTokenEndpointFault(null);
    }
    expect((await refresh(broker, connection.id)).statusCode).toBe(200);
    expect((await outboxOf(broker, connection.id)).map((e) => e.type)).toEqual([
      'connection.connected',
      'connection.recovered',
    ]);

    const disconnect = () =>
      broker.app.inject({ method: 'DELETE', url: `/v1/connections/${connection.id}`, headers: broker.admin });
    await sql(
      broker.database.url,
      `ALTER TABLE webhook_events ADD CONSTRAINT refuse_disconnects CHECK (type <> 'connection.disconnected') NOT VALID`,
    );
    try {
      expect((await disconnect()).statusCode).toBe(500);
    } finally {
      await sql(broker.database.url, `ALTER TABLE webhook_events DROP CONSTRAINT refuse_disconnects`);
    }
    const kept = await broker.app.inject({ url: `/v1/connections/${connection.id}`, headers: broker.admin });
    expect(kept.statusCode).toBe(200);

    expect((await disconnect()).statusCode).toBe(204);
    expect((await outboxOf(broker, connection.id)).map((e) => e.type)).toEqual([
      'connection.connected',
      'connection.recovered',
      'connection.disconnected',
    ]);
  });

  it('does not send refreshes, which happen every few minutes per connection', async () => {
    const connection = await connectOAuth(broker, { sub: 'w0', masterSipId: '3141592' });
    expect((await refresh(broker, connection.id)).statusCode).toBe(200);
    await receiver.next(about('connection.connected', connection.id));
    await broker.app.get(WebhookSender).run();
    expect((await outboxOf(broker, connection.id)).map((e) => e.type)).toEqual(['connection.connected']);
  });
});

describe('without BROKER_WEBHOOK_URL', () => {
  it('records no webhook events', async () => {
    const broker = await startSandboxedBroker();
    try {
      const connection = await connectOAuth(broker, { sub: 'w1' });
      broker.sandbox.revokeGrantsOf('w1', connection.sipgateAccountId);
      expect((await refresh(broker, connection.id)).statusCode).toBe(409);
      const deleted = await broker.app.inject({
        method: 'DELETE',
        url: `/v1/connections/${connection.id}`,
        headers: broker.admin,
      });
      expect(deleted.statusCode).toBe(204);
      expect(await sql(broker.database.url, `SELECT id FROM webhook_events`)).toEqual([]);
    } finally {
      await broker.close();
    }
  });
});

describe('webhooks to a receiver that is down', () => {
  let broker: SandboxedBroker | undefined;
  let receiver: WebhookReceiver | undefined;
  afterEach(async () => {
    await broker?.close();
    await receiver?.close();
    broker = receiver = undefined;
  });

  /** As time passing would: the event's retry is due now. */
  const retryNow = async (b: SandboxedBroker) => {
    await sql(b.database.url, `UPDATE webhook_events SET next_attempt_at = now() WHERE status = 'pending'`);
    await b.app.get(WebhookSender).run();
  };

  it('keeps refreshing and serving tokens while nothing listens, and delivers once the receiver is back', async () => {
    const port = await closedPort();
    broker = await startSandboxedBroker({
      env: { BROKER_WEBHOOK_URL: `http://127.0.0.1:${port}/hooks/broker`, BROKER_WEBHOOK_SECRET: SECRET },
    });
    const connection = await connectOAuth(broker);
    expect((await refresh(broker, connection.id)).statusCode).toBe(200);
    expect((await readToken(broker, connection.id, 60)).statusCode).toBe(200);

    const b = broker;
    expect(
      await waitFor(async () => {
        const [event] = await outboxOf(b, connection.id);
        return event?.status === 'pending' && event.attempts >= 1 && event.last_error !== null;
      }),
    ).toBe(true);
    const [failed] = await outboxOf(broker, connection.id);
    expect(failed!.last_error).toMatch(/ECONNREFUSED/);

    receiver = await startWebhookReceiver('ok', port);
    await retryNow(broker);
    expect(receiver.received).toHaveLength(1);
    expectSigned(receiver.received[0]!);
    expect(await outboxOf(broker, connection.id)).toMatchObject([{ status: 'delivered' }]);
  });

  it('keeps refreshing while a delivery hangs at the receiver, and retries it later', async () => {
    receiver = await startWebhookReceiver('hang');
    broker = await startSandboxedBroker({
      env: {
        BROKER_WEBHOOK_URL: receiver.url,
        BROKER_WEBHOOK_SECRET: SECRET,
        BROKER_WEBHOOK_TIMEOUT_MS: '60000',
      },
    });
    const connection = await connectOAuth(broker, { sub: 'w1' });
    const stuck = await receiver.next(about('connection.connected', connection.id));

    // The delivery is in flight and unanswered; refreshes and token reads go on regardless.
    expect((await refresh(broker, connection.id)).statusCode).toBe(200);
    expect((await readToken(broker, connection.id, 60)).statusCode).toBe(200);
    expect((await refresh(broker, connection.id)).statusCode).toBe(200);
    expect(await outboxOf(broker, connection.id)).toMatchObject([
      { status: 'pending', attempts: 1, last_error: null },
    ]);

    // The receiver restarts (dropping the stuck request) and answers from now on.
    receiver.mode = 'ok';
    await receiver.close();
    receiver = await startWebhookReceiver('ok', receiver.port);
    const b = broker;
    expect(await waitFor(async () => (await outboxOf(b, connection.id))[0]?.last_error !== null)).toBe(true);
    await retryNow(broker);
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]!.headers['x-broker-delivery']).toBe(stuck.headers['x-broker-delivery']);
    expect(await outboxOf(broker, connection.id)).toMatchObject([{ status: 'delivered', attempts: 2 }]);
  });
});
