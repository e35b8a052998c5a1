import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { SandboxPat } from '#libs/sandbox';
import { createTestDatabase, type TestDatabase } from '#libs/testing';
import { ChangeFeed } from '../../apps/broker/src/change-feed/change-feed.service.js';
import { ConnectionsRepository } from '../../apps/broker/src/connections/connections.repository.js';
import { TokenCache } from '../../apps/broker/src/tokens/token-cache.js';
import { readToken } from '../support/connect-flow.js';
import { connectPat, sandboxUsers } from '../support/consumer-fixture.js';
import { startSandboxedBroker, type SandboxedBroker } from '../support/sandboxed-broker.js';
import { sql } from '../support/sql.js';
import { waitFor, within } from '../support/wait-for.js';

/**
 * A PAT never expires, so a replica that keeps a disconnected PAT in its cache would serve it until
 * restart: every way a disconnect can reach a replica must leave it answering 404.
 */
describe('token cache and disconnects', () => {
  let database: TestDatabase;
  let replicaA: SandboxedBroker;
  let replicaB: SandboxedBroker;
  let pats: SandboxPat[];
  beforeAll(async () => {
    database = await createTestDatabase();
    replicaA = await startSandboxedBroker({ database, sandboxOptions: { users: sandboxUsers(6) } });
    replicaB = await startSandboxedBroker({ database, sandbox: replicaA.sandbox });
    pats = replicaA.sandbox.pats();
  });
  afterAll(async () => {
    await replicaB.close();
    await replicaA.close();
    await database.drop();
  });

  const disconnect = async (replica: SandboxedBroker, id: string) =>
    expect(
      (await replica.app.inject({ method: 'DELETE', url: `/v1/connections/${id}`, headers: replica.admin }))
        .statusCode,
    ).toBe(204);

  /** Read on A until A holds it in its cache after the connect's own change notice (which drops what was cached before it). */
  const cachedOnA = async (id: string) => {
    const cache = replicaA.app.get(TokenCache);
    expect(
      await waitFor(async () => {
        expect((await readToken(replicaA, id)).statusCode).toBe(200);
        await new Promise((resolve) => setTimeout(resolve, 200));
        return cache.get(id) !== undefined;
      }, 5_000),
    ).toBe(true);
  };

  /** Resolves once `replica` has handed the change notice of `id` to its caches. */
  const noticeHandled = (replica: SandboxedBroker, id: string) =>
    new Promise<void>((resolve) => {
      const unsubscribe = replica.app.get(ChangeFeed).subscribe((notice) => {
        if (notice.id !== id) return;
        unsubscribe();
        resolve();
      });
    });

  /**
   * Holds the replica's next credential read after it has loaded the row and before the read goes
   * on (to put it into the cache): `loaded` resolves then, `release()` lets it go on.
   */
  function holdNextLoad(replica: SandboxedBroker) {
    const repository = replica.app.get(ConnectionsRepository, { strict: false });
    const load = repository.readCredential.bind(repository);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let loaded!: () => void;
    const hasLoaded = new Promise<void>((resolve) => (loaded = resolve));
    const spy = jest.spyOn(repository, 'readCredential').mockImplementationOnce(async (id) => {
      const credential = await load(id);
      loaded();
      await gate;
      return credential;
    });
    return { loaded: hasLoaded, release, restore: () => spy.mockRestore() };
  }

  it.each([
    ['another replica', 1, () => replicaB],
    ['the same replica', 2, () => replicaA],
  ])(
    'a read that loaded the PAT before a disconnect on %s does not put it back into the cache',
    async (_, patIndex, disconnecting) => {
      const connection = await connectPat(replicaA, pats[patIndex]!);
      const held = holdNextLoad(replicaA);
      try {
        const read = readToken(replicaA, connection.id);
        await held.loaded; // the row as it was before the disconnect is in hand

        const handled = noticeHandled(replicaA, connection.id);
        await disconnect(disconnecting(), connection.id);
        await handled;
        held.release();

        // The read began before the disconnect, so serving it the old PAT once is fine...
        expect((await read).statusCode).toBe(200);
        // ...keeping it is not.
        for (let i = 0; i < 5; i++) expect((await readToken(replicaA, connection.id)).statusCode).toBe(404);
      } finally {
        held.restore();
      }
    },
  );

  it('a replica whose change feed is down honours a disconnect on another replica within 2 s', async () => {
    const connection = await connectPat(replicaA, pats[3]!);
    const feed = replicaA.app.get(ChangeFeed);
    expect((await readToken(replicaA, connection.id)).statusCode).toBe(200); // cached on A
    await feed.stop(); // A hears no notices from now on, its pool still works
    try {
      expect(feed.healthy).toBe(false);
      await disconnect(replicaB, connection.id);
      await within(2_000, async () =>
        expect((await readToken(replicaA, connection.id)).statusCode).toBe(404),
      );
    } finally {
      await feed.start();
    }
  });

  /** Postgres refuses every connection to the database, and ends those it has: an outage for the brokers. */
  async function cutDatabase(allow: boolean) {
    const admin = new URL(database.url);
    const name = admin.pathname.slice(1);
    admin.pathname = '/postgres';
    await sql(admin.toString(), `ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS ${allow}`);
    if (!allow)
      await sql(
        admin.toString(),
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1',
        [name],
      );
  }

  it('while Postgres is away, serves what it has cached and asks Postgres about it once a second, not per read', async () => {
    const connection = await connectPat(replicaA, pats[4]!);
    await cachedOnA(connection.id);
    const feed = replicaA.app.get(ChangeFeed);
    const repository = replicaA.app.get(ConnectionsRepository, { strict: false });
    const loads = jest.spyOn(repository, 'readCredential');
    await cutDatabase(false);
    try {
      expect(await waitFor(async () => !feed.healthy, 5_000)).toBe(true);
      const started = Date.now();
      const statuses = [];
      while (Date.now() - started < 2_500) {
        statuses.push((await readToken(replicaA, connection.id)).statusCode);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(statuses.length).toBeGreaterThan(20);
      expect(statuses).toEqual(statuses.map(() => 200));
      expect(loads.mock.calls.length).toBeLessThanOrEqual(4);
    } finally {
      loads.mockRestore();
      await cutDatabase(true);
    }
    expect(await waitFor(async () => feed.healthy, 10_000)).toBe(true);
  }, 20_000);

  it('does not serve a cached PAT whose disconnect was noticed while its database read was failing', async () => {
    const connection = await connectPat(replicaA, pats[5]!);
    await cachedOnA(connection.id);
    const feed = replicaA.app.get(ChangeFeed);
    const repository = replicaA.app.get(ConnectionsRepository, { strict: false });
    let fail: ((error: Error) => void) | undefined;
    const spy = jest
      .spyOn(repository, 'readCredential')
      .mockImplementationOnce(() => new Promise((_resolve, reject) => (fail = reject)));
    await feed.stop(); // from now on an entry older than 1 s is read again from the database
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      const read = readToken(replicaA, connection.id);
      expect(await waitFor(async () => fail !== undefined, 5_000)).toBe(true);
      feed.deliverLocally('connection', connection.id); // this replica's own disconnect, as it commits
      fail!(new Error('connect ECONNREFUSED'));
      expect((await read).statusCode).toBe(503);
    } finally {
      spy.mockRestore();
      await feed.start();
    }
  });
});
