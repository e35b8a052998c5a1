import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '#libs/testing';
import { connectOAuth } from '../support/connect-flow.js';
import { expireStoredToken, sandboxAccepts, sandboxUsers, serveBroker } from '../support/consumer-fixture.js';
import { startSandboxedBroker, type SandboxedBroker } from '../support/sandboxed-broker.js';
import { sql } from '../support/sql.js';

type TokenBody = { accessToken: string; authorizationHeader: string; expiresAt: string; expiresIn: number };

/** Not sipgate's 300 s: what the broker bounds `minValidity` with must come from what was granted. */
const GRANTED_SECONDS = 200;
const MARGIN_SECONDS = 60;

describe('minValidity beyond what sipgate grants', () => {
  let database: TestDatabase;
  let broker: SandboxedBroker;
  let readerKey: string;
  let baseUrl: string;
  beforeAll(async () => {
    database = await createTestDatabase();
    broker = await startSandboxedBroker({
      database,
      sandboxOptions: { accessTokenTtlSeconds: GRANTED_SECONDS, users: sandboxUsers(3) },
      env: { REFRESH_MARGIN_SECONDS: String(MARGIN_SECONDS), TOKEN_RATE_LIMIT_PER_SECOND: '0' },
    });
    const created = await broker.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: broker.admin,
      payload: { name: 'asks too much', scopes: ['tokens:read'] },
    });
    readerKey = `Bearer ${created.json<{ key: string }>().key}`;
    baseUrl = await serveBroker(broker);
  });
  afterAll(async () => {
    await broker.close();
    await database.drop();
  });

  const refreshes = () => broker.sandbox.stats().refreshesSucceeded;
  /** Over real HTTP, as consumers ask: 200 of them at once arrive over a while, not in one tick. */
  const readLong = async (id: string) => {
    const response = await fetch(`${baseUrl}/v1/connections/${id}/token?minValidity=3600`, {
      headers: { authorization: readerKey },
    });
    return { status: response.status, body: (await response.json()) as TokenBody };
  };

  /** Each answer is 200 and its `expiresIn` is the token's true remaining life, not the 3600 asked. */
  async function expectTrueLifetimes(id: string, responses: Awaited<ReturnType<typeof readLong>>[]) {
    expect(responses.map((r) => r.status)).toEqual(responses.map(() => 200));
    const [stored] = await sql<{ expiresAt: Date }>(
      database.url,
      'SELECT access_token_expires_at AS "expiresAt" FROM connections WHERE id = $1',
      [id],
    );
    for (const response of responses) {
      const { body } = response;
      expect(Date.parse(body.expiresAt)).toBe(stored!.expiresAt.getTime());
      expect(body.expiresIn).toBeLessThanOrEqual(GRANTED_SECONDS);
      // The true remaining life at the time of the answer, give or take the test's own slowness.
      const left = (stored!.expiresAt.getTime() - Date.now()) / 1000;
      expect(Math.abs(body.expiresIn - left)).toBeLessThan(15);
    }
    expect(await sandboxAccepts(broker, responses.at(-1)!.body.authorizationHeader)).toBe(true);
  }

  it('200 reads at once with minValidity=3600 cause at most one refresh', async () => {
    const connection = await connectOAuth(broker, { sub: 'w0' });
    const before = refreshes();

    const responses = await Promise.all(Array.from({ length: 200 }, () => readLong(connection.id)));

    expect(refreshes() - before).toBeLessThanOrEqual(1);
    await expectTrueLifetimes(connection.id, responses);
  });

  it('200 reads with minValidity=3600 spread over 10 s cause at most one refresh', async () => {
    const connection = await connectOAuth(broker, { sub: 'w1' });
    const before = refreshes();

    const responses = [];
    for (let i = 0; i < 200; i++) {
      responses.push(await readLong(connection.id));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    expect(refreshes() - before).toBeLessThanOrEqual(1);
    await expectTrueLifetimes(connection.id, responses);
  }, 30_000);

  it('still refreshes once a token has less left than sipgate grants less the margin', async () => {
    const connection = await connectOAuth(broker, { sub: 'w2' });
    // As if 110 s had passed: 90 s left of 200 granted, less than the 140 s a fresh token offers.
    await expireStoredToken(broker, connection.id, GRANTED_SECONDS - 110);
    const before = refreshes();

    const responses = await Promise.all(Array.from({ length: 50 }, () => readLong(connection.id)));

    expect(refreshes() - before).toBe(1);
    await expectTrueLifetimes(connection.id, responses);
    expect(responses[0]!.body.expiresIn).toBeGreaterThan(GRANTED_SECONDS - MARGIN_SECONDS);
  });
});
