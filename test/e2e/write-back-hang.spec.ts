import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '#libs/testing';
import { startSandbox, type Sandbox } from '#libs/sandbox';
import { eventually } from '../support/chaos.js';
import { connectOAuth, readToken } from '../support/connect-flow.js';
import {
  PUBLIC_URL,
  startSandboxedBroker,
  TEST_CLIENT,
  type SandboxedBroker,
} from '../support/sandboxed-broker.js';
import { SHORT_LEASE_ENV, SHORT_LEASE_MS } from '../support/short-lease.js';

/** RefreshRepository.complete as Prisma sends it: the only UPDATE of connections that sets last_refreshed_at. */
const isWriteBack = (text: string) =>
  text.includes('UPDATE "public"."connections"') && text.includes('"last_refreshed_at"');

interface BlackHoleProxy {
  /** A Postgres URL that reaches `target` through this proxy. */
  url: string;
  /** From now on, the next connection that sends a write-back goes silent (see below). */
  arm(): void;
  /** Resolves (Date.now()) once a write-back was swallowed. */
  blackHoled: Promise<number>;
  /** Ends the silent connection, so its client sees an error at last and the holder can shut down. */
  releaseHeld(): void;
  close(): Promise<void>;
}

/**
 * A TCP proxy to Postgres. Once armed, the connection on which a write-back passes goes silent, as
 * if its peer vanished without RST or FIN (a lost NAT entry): that chunk and everything after it
 * in both directions is dropped, and the connection is never closed. Every other connection,
 * including new ones, keeps working.
 */
async function startBlackHoleProxy(target: string): Promise<BlackHoleProxy> {
  const targetUrl = new URL(target);
  const sockets = new Set<Socket>();
  const held: Socket[] = [];
  let armed = false;
  let swallowed: (at: number) => void = () => undefined;
  const blackHoled = new Promise<number>((resolve) => (swallowed = resolve));

  const server = createServer((client) => {
    const upstream = connect(Number(targetUrl.port || 5432), targetUrl.hostname);
    sockets.add(client).add(upstream);
    let silent = false;
    let tail = '';
    client.on('data', (chunk) => {
      if (silent) return;
      // Matched over the end of the previous chunk too, in case the statement was split.
      const text = tail + chunk.toString('latin1');
      tail = text.slice(-8_192);
      if (armed && isWriteBack(text)) {
        armed = false;
        silent = true;
        held.push(client, upstream);
        swallowed(Date.now());
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!silent) client.write(chunk);
    });
    client.on('end', () => !silent && upstream.end());
    upstream.on('end', () => !silent && client.end());
    for (const socket of [client, upstream]) {
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        if (!silent) (socket === client ? upstream : client).destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxied = new URL(target);
  proxied.hostname = '127.0.0.1';
  proxied.port = String((server.address() as AddressInfo).port);
  return {
    url: proxied.toString(),
    arm: () => (armed = true),
    blackHoled,
    releaseHeld: () => held.splice(0).forEach((socket) => socket.destroy()),
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

const refresh = (broker: SandboxedBroker, id: string) =>
  broker.app.inject({ method: 'POST', url: `/v1/connections/${id}/refresh`, headers: broker.admin });

describe('a write-back sent on a pool connection whose peer silently vanished', () => {
  let database: TestDatabase;
  let sandbox: Sandbox;
  let proxy: BlackHoleProxy;
  let holder: SandboxedBroker;
  let other: SandboxedBroker;
  let late: Promise<unknown> | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
    sandbox = await startSandbox({
      clients: [{ ...TEST_CLIENT, redirectUris: [`${PUBLIC_URL}/v1/oauth/callback`] }],
    });
    proxy = await startBlackHoleProxy(database.url);
    // createBrokerApp connects to the database's url, not to env DATABASE_URL.
    holder = await startSandboxedBroker({
      database: { ...database, url: proxy.url },
      sandbox,
      env: SHORT_LEASE_ENV,
    });
    other = await startSandboxedBroker({ database, sandbox, env: SHORT_LEASE_ENV });
  }, 60_000);
  afterAll(async () => {
    // The holder's shutdown waits for its write-back: end the silent connection so it retries and settles.
    proxy?.releaseHeld();
    await Promise.race([late, sleep(10_000, undefined, { ref: false })]);
    await holder?.close();
    await other?.close();
    await proxy?.close();
    await sandbox?.close();
    await database?.drop();
  }, 30_000);

  it('is retried in time on a fresh connection: no other replica spends the refresh token again', async () => {
    const connection = await connectOAuth(holder, { sub: 'w1' });
    const before = sandbox.stats();
    proxy.arm();

    // The holder spends the refresh token; its write-back goes into the black hole.
    late = refresh(holder, connection.id);
    const blackHoledAt = await Promise.race([
      proxy.blackHoled,
      sleep(10_000, undefined, { ref: false }).then(() => {
        throw new Error('the holder sent no write-back within 10 s');
      }),
    ]);
    expect(sandbox.stats().refreshesSucceeded - before.refreshesSucceeded).toBe(1);

    // The lease was taken before the write-back was sent: past its end, with a margin, the other
    // replica (which has had the database for longer than the takeover grace) asks for a refresh.
    await sleep(blackHoledAt + SHORT_LEASE_MS + 1_500 - Date.now());
    const answer = await refresh(other, connection.id);

    const status = await eventually('the connection reads back', 5_000, async () => {
      const read = await other.app.inject({ url: `/v1/connections/${connection.id}`, headers: other.admin });
      return read.statusCode === 200 && read.json<{ status: string }>().status;
    });
    const token = await readToken(other, connection.id);
    expect({
      refreshTokenReuses: sandbox.stats().refreshTokenReuses - before.refreshTokenReuses,
      connectionStatus: status,
      otherReplicaRefresh: answer.statusCode,
      otherReplicaTokenRead: token.statusCode,
    }).toEqual({
      refreshTokenReuses: 0,
      connectionStatus: 'active',
      otherReplicaRefresh: 200,
      otherReplicaTokenRead: 200,
    });
  }, 90_000);
});
