import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
}

/** `ok`: 204. `fail`: 500. `hang`: read the request, never answer (a receiver stuck in a slow handler). */
export type ReceiverMode = 'ok' | 'fail' | 'hang';

export interface WebhookReceiver {
  url: string;
  port: number;
  mode: ReceiverMode;
  /** Every request that arrived, answered or not, in order. */
  received: ReceivedWebhook[];
  /** Resolves with the first request (from now on, or already received) that matches. */
  next(match?: (hook: ReceivedWebhook) => boolean): Promise<ReceivedWebhook>;
  close(): Promise<void>;
}

/** A real webhook endpoint on loopback, as a consumer team would run one. */
export async function startWebhookReceiver(mode: ReceiverMode = 'ok', port = 0): Promise<WebhookReceiver> {
  const waiting: { match: (hook: ReceivedWebhook) => boolean; resolve: (hook: ReceivedWebhook) => void }[] =
    [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const hook = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      receiver.received.push(hook);
      for (const waiter of waiting.filter((w) => w.match(hook))) {
        waiting.splice(waiting.indexOf(waiter), 1);
        waiter.resolve(hook);
      }
      if (receiver.mode === 'hang') return;
      res.statusCode = receiver.mode === 'ok' ? 204 : 500;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actualPort = (server.address() as AddressInfo).port;
  const receiver: WebhookReceiver = {
    url: `http://127.0.0.1:${actualPort}/hooks/broker`,
    port: actualPort,
    mode,
    received: [],
    next: (match = () => true) => {
      const seen = receiver.received.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiting.push({ match, resolve }));
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return receiver;
}

/** A loopback port with nothing listening: connections are refused at once. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
