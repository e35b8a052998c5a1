/**
 * A lightweight stand-in for sipgate's token endpoint (Keycloak), for load tests: plain node:http on
 * loopback, no OAuth library, so the broker and not the stand-in is what gets measured.
 *
 * It answers `grant_type=refresh_token` with fresh tokens and rotates refresh tokens like sipgate:
 * each one is valid exactly once. A refresh token reads `rt.<connection index>.<generation>.<expiry of
 * the access token issued with it, epoch ms>.<padding>`, so without any lookup table the stand-in
 * knows whose it is, whether it was already used (a reuse: the broker spent a rotated token twice),
 * and how much life the connection's access token had left when the broker refreshed it.
 *
 * Control: `POST /__reset?connections=N`, `GET /__stats` (counters and the log of every refresh).
 * Environment: FAKE_EXPIRES_IN (300), FAKE_REFRESH_EXPIRES_IN (1800), FAKE_LATENCY_MS (0).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { accessTokenFor, parseRefreshToken, refreshTokenFor } from './lib/fake-tokens.js';

const EXPIRES_IN = Number(process.env.FAKE_EXPIRES_IN ?? 300);
const REFRESH_EXPIRES_IN = Number(process.env.FAKE_REFRESH_EXPIRES_IN ?? 1800);
const LATENCY_MS = Number(process.env.FAKE_LATENCY_MS ?? 0);

class Log {
  length = 0;
  index = new Int32Array(1 << 16);
  at = new Float64Array(1 << 16);
  headroomMs = new Float64Array(1 << 16);
  client = new Uint8Array(1 << 16);

  push(index: number, at: number, headroomMs: number, client: number): void {
    if (this.length === this.index.length) this.grow();
    this.index[this.length] = index;
    this.at[this.length] = at;
    this.headroomMs[this.length] = headroomMs;
    this.client[this.length] = client;
    this.length++;
  }

  private grow(): void {
    const size = this.index.length * 2;
    const copy = <T extends Int32Array | Float64Array | Uint8Array>(from: T, to: T) => (to.set(from), to);
    this.index = copy(this.index, new Int32Array(size));
    this.at = copy(this.at, new Float64Array(size));
    this.headroomMs = copy(this.headroomMs, new Float64Array(size));
    this.client = copy(this.client, new Uint8Array(size));
  }
}

let generations = new Int32Array(0);
let log = new Log();
let clients: string[] = [];
let counters = { refreshes: 0, reuses: 0, unknownTokens: 0, otherRequests: 0, logouts: 0 };

function reset(connections: number): void {
  generations = new Int32Array(connections);
  log = new Log();
  clients = [];
  counters = { refreshes: 0, reuses: 0, unknownTokens: 0, otherRequests: 0, logouts: 0 };
}

function clientIndex(clientId: string): number {
  let index = clients.indexOf(clientId);
  if (index < 0) index = clients.push(clientId) - 1;
  return index;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function tokenGrant(form: URLSearchParams, res: ServerResponse): void {
  const now = Date.now();
  if (form.get('grant_type') !== 'refresh_token') {
    counters.otherRequests++;
    return send(res, 400, { error: 'unsupported_grant_type' });
  }
  const presented = parseRefreshToken(form.get('refresh_token') ?? '');
  if (!presented || presented.index < 0 || presented.index >= generations.length) {
    counters.unknownTokens++;
    return send(res, 400, { error: 'invalid_grant', error_description: 'Invalid refresh token' });
  }
  const { index, generation, accessExpiresAtMs } = presented;
  if (generation !== generations[index]) {
    // Spent before (or never issued): sipgate would refuse it and end the session.
    if (generation < generations[index]!) counters.reuses++;
    else counters.unknownTokens++;
    return send(res, 400, { error: 'invalid_grant', error_description: 'Token is not active' });
  }
  const next = generation + 1;
  generations[index] = next;
  counters.refreshes++;
  log.push(index, now, accessExpiresAtMs - now, clientIndex(form.get('client_id') ?? ''));
  const expiresAt = now + EXPIRES_IN * 1000;
  send(res, 200, {
    access_token: accessTokenFor(index, next),
    expires_in: EXPIRES_IN,
    refresh_expires_in: REFRESH_EXPIRES_IN,
    refresh_token: refreshTokenFor(index, next, expiresAt),
    token_type: 'Bearer',
    'not-before-policy': 0,
    scope: 'all',
  });
}

function stats(res: ServerResponse, withLog: boolean): void {
  if (!withLog) return send(res, 200, { ...counters, clients });
  const n = log.length;
  const base64 = (array: Int32Array | Float64Array | Uint8Array) =>
    Buffer.from(array.buffer, array.byteOffset, array.BYTES_PER_ELEMENT * n).toString('base64');
  send(res, 200, {
    ...counters,
    clients,
    generations: Buffer.from(generations.buffer, generations.byteOffset, generations.byteLength).toString(
      'base64',
    ),
    log: {
      length: n,
      index: base64(log.index),
      at: base64(log.at),
      headroomMs: base64(log.headroomMs),
      client: base64(log.client),
    },
  });
}

function handle(req: IncomingMessage, res: ServerResponse, body: string): void {
  const url = new URL(req.url ?? '/', 'http://fake');
  if (req.method === 'POST' && url.pathname.endsWith('/protocol/openid-connect/token')) {
    return tokenGrant(new URLSearchParams(body), res);
  }
  if (req.method === 'POST' && url.pathname.endsWith('/protocol/openid-connect/logout')) {
    counters.logouts++;
    res.writeHead(204).end();
    return;
  }
  if (req.method === 'POST' && url.pathname === '/__reset') {
    reset(Number(url.searchParams.get('connections') ?? 0));
    return send(res, 200, { ok: true });
  }
  if (req.method === 'GET' && url.pathname === '/__stats')
    return stats(res, url.searchParams.get('log') !== '0');
  counters.otherRequests++;
  send(res, 404, { error: 'not_found' });
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    if (LATENCY_MS > 0) setTimeout(() => handle(req, res, body), LATENCY_MS);
    else handle(req, res, body);
  });
});
server.keepAliveTimeout = 60_000;

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  process.stdout.write(`${JSON.stringify({ port })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
