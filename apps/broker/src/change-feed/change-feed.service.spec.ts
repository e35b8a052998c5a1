import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { PrismaService } from '#libs/database';
import { createTestDatabase, type TestDatabase } from '#libs/testing';
import { within } from '../../../../test/support/wait-for.js';
import { ChangeFeed, LISTENER_APPLICATION_NAME } from './change-feed.service.js';
import { CHANGE_CHANNEL, type ChangeNotice } from './change-notice.js';
import { notifyOnCommit } from './notify-on-commit.js';

const FAST = { initialReconnectDelayMs: 20, maxReconnectDelayMs: 200 };

/** One "replica": its own Prisma pool and its own change feed, recording what it hears. */
function replica(url: string) {
  const prisma = PrismaService.forUrl(url, 2);
  const feed = new ChangeFeed(prisma, FAST);
  const notices: ChangeNotice[] = [];
  let resyncs = 0;
  feed.subscribe((notice) => notices.push(notice));
  feed.onResync(() => resyncs++);
  return {
    prisma,
    feed,
    notices,
    resyncs: () => resyncs,
    close: async () => {
      await feed.stop();
      await prisma.close();
    },
  };
}

// Disconnects and malformed notices log warnings by design; here they are expected.
beforeAll(() => Logger.overrideLogger(false));

describe('ChangeFeed on a real Postgres', () => {
  let database: TestDatabase;
  let a: ReturnType<typeof replica>;
  let b: ReturnType<typeof replica>;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.drop());

  beforeEach(async () => {
    a = replica(database.url);
    b = replica(database.url);
    await Promise.all([a.feed.start(), b.feed.start()]);
  });
  afterEach(async () => {
    await Promise.all([a.close(), b.close()]);
  });

  it('connects, reports healthy and fires a first resync', () => {
    expect(a.feed.healthy).toBe(true);
    expect(a.resyncs()).toBe(1);
  });

  it("delivers one replica's notice to the other, and to its own subscribers at once", async () => {
    const id = randomUUID();
    await a.feed.publish('api_key', id);
    expect(a.notices).toContainEqual({ kind: 'api_key', id }); // synchronously, before the round trip
    await within(5_000, () => expect(b.notices).toContainEqual({ kind: 'api_key', id }));
  });

  it('sends a notice queued in a transaction only when it commits', async () => {
    const committed = randomUUID();
    const rolledBack = randomUUID();
    await a.prisma.$transaction((tx) => notifyOnCommit(tx, 'connection', committed));
    await expect(
      a.prisma.$transaction(async (tx) => {
        await notifyOnCommit(tx, 'connection', rolledBack);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    await within(5_000, () => expect(b.notices).toContainEqual({ kind: 'connection', id: committed }));
    await a.feed.publish('api_key', 'marker'); // notices arrive in commit order: after this, nothing else is coming
    await within(5_000, () => expect(b.notices).toContainEqual({ kind: 'api_key', id: 'marker' }));
    expect(b.notices.map((n) => n.id)).not.toContain(rolledBack);
  });

  it('ignores malformed payloads and keeps serving the other subscribers when one throws', async () => {
    b.feed.subscribe(() => {
      throw new Error('a broken subscriber');
    });
    await a.prisma.pool.query('SELECT pg_notify($1, $2)', [CHANGE_CHANNEL, 'not json']);
    await a.prisma.pool.query('SELECT pg_notify($1, $2)', [CHANGE_CHANNEL, '{"kind":"other","id":"x"}']);
    await a.feed.publish('connection', 'after-garbage');
    await within(5_000, () => expect(b.notices).toEqual([{ kind: 'connection', id: 'after-garbage' }]));
    expect(b.feed.healthy).toBe(true);
  });

  it('reconnects after its connection is terminated, fires resync and receives notices again', async () => {
    const { rows } = await a.prisma.pool.query(
      `SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity
        WHERE application_name = $1 AND datname = current_database()`,
      [LISTENER_APPLICATION_NAME],
    );
    expect(rows).toHaveLength(2); // both replicas' listeners

    await within(5_000, () => {
      expect(a.resyncs()).toBe(2);
      expect(b.resyncs()).toBe(2);
    });
    expect(a.feed.healthy).toBe(true);
    expect(b.feed.healthy).toBe(true);
    await a.feed.publish('api_key', 'after-reconnect');
    await within(5_000, () => expect(b.notices).toContainEqual({ kind: 'api_key', id: 'after-reconnect' }));
  });

  it('stops cleanly: unhealthy, no reconnect, its connection gone', async () => {
    await b.feed.stop();
    expect(b.feed.healthy).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 300)); // longer than the maximum reconnect delay
    await within(5_000, async () => {
      const { rows } = await a.prisma.pool.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()`,
        [LISTENER_APPLICATION_NAME],
      );
      expect(rows[0].n).toBe(1); // only a's listener is left
    });
    expect(b.resyncs()).toBe(1);
  });
});

describe('ChangeFeed without a reachable Postgres', () => {
  it('keeps retrying without throwing, and stops cleanly', async () => {
    const prisma = PrismaService.forUrl('postgresql://nobody@127.0.0.1:1/nothing', 1);
    const feed = new ChangeFeed(prisma, FAST);
    await expect(feed.start()).resolves.toBeUndefined();
    expect(feed.healthy).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 100)); // a few failed retries
    await feed.stop();
    await prisma.close();
    expect(feed.healthy).toBe(false);
  });
});
