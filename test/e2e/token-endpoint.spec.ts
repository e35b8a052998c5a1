import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '#libs/testing';
import { ChangeFeed } from '../../apps/broker/src/change-feed/change-feed.service.js';
import { connectOAuth, readToken } from '../support/connect-flow.js';
import { connectPat } from '../support/consumer-fixture.js';
import { sql } from '../support/sql.js';
import { startSandboxedBroker, type SandboxedBroker } from '../support/sandboxed-broker.js';
import { within } from '../support/wait-for.js';

type TokenBody = { accessToken: string; authorizationHeader: string; expiresIn: number; tokenType: string };

/**
 * Makes the stored access token expire in `seconds` (negative: already expired), as time passing
 * would, and drops the replicas' cached copies as a change notice from another replica would.
 */
async function expireIn(replicas: SandboxedBroker[], id: string, seconds: number) {
  await sql(
    replicas[0]!.database.url,
    `UPDATE connections SET access_token_expires_at = now() + $2 * interval '1 second' WHERE id = $1`,
    [id, seconds],
  );
  for (const replica of replicas) replica.app.get(ChangeFeed).deliverLocally('connection', id);
}

const acceptedBySandbox = async (broker: SandboxedBroker, authorization: string) =>
  (await fetch(`${broker.sandbox.url}/v2/authorization/userinfo`, { headers: { authorization } })).status ===
  200;

describe('GET /v1/connections/{id}/token', () => {
  let database: TestDatabase;
  let replicaA: SandboxedBroker;
  let replicaB: SandboxedBroker;
  beforeAll(async () => {
    database = await createTestDatabase();
    replicaA = await startSandboxedBroker({ database });
    replicaB = await startSandboxedBroker({ database, sandbox: replicaA.sandbox });
  });
  afterAll(async () => {
    await replicaB.close();
    await replicaA.close();
    await database.drop();
  });

  it('refreshes once for 20 concurrent readers of a connection that needs it', async () => {
    const connection = await connectOAuth(replicaA);
    await readToken(replicaA, connection.id); // cached now
    await expireIn([replicaA, replicaB], connection.id, 5);
    const before = replicaA.sandbox.stats();

    const responses = await Promise.all(
      Array.from({ length: 20 }, () => readToken(replicaA, connection.id, 60)),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(Array(20).fill(200));
    const tokens = new Set(responses.map((r) => r.json<TokenBody>().accessToken));
    expect(tokens.size).toBe(1);
    expect(replicaA.sandbox.stats().refreshesSucceeded - before.refreshesSucceeded).toBe(1);
    expect(replicaA.sandbox.stats().refreshTokenReuses).toBe(0);
    expect(await acceptedBySandbox(replicaA, responses[0]!.json<TokenBody>().authorizationHeader)).toBe(true);
  });

  it('refreshes once when readers on two replicas race, and both serve the new token', async () => {
    const connection = await connectOAuth(replicaA, { sub: 'w1' });
    await expireIn([replicaA, replicaB], connection.id, 5);
    const before = replicaA.sandbox.stats();

    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => readToken(i % 2 ? replicaA : replicaB, connection.id, 60)),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(Array(20).fill(200));
    expect(new Set(responses.map((r) => r.json<TokenBody>().accessToken)).size).toBe(1);
    expect(replicaA.sandbox.stats().refreshesSucceeded - before.refreshesSucceeded).toBe(1);
    expect(replicaA.sandbox.stats().refreshTokenReuses).toBe(0);
  });

  it('serves a cached token without asking sipgate, and a replica drops it when another one refreshes', async () => {
    const connection = await connectOAuth(replicaA, { sub: 'w0', masterSipId: '3141592' });
    const onB = (await readToken(replicaB, connection.id)).json<TokenBody>();
    const refreshed = await replicaA.app.inject({
      method: 'POST',
      url: `/v1/connections/${connection.id}/refresh`,
      headers: replicaA.admin,
    });
    expect(refreshed.statusCode).toBe(200);
    const fromA = (await readToken(replicaA, connection.id)).json<TokenBody>();
    expect(fromA.accessToken).not.toBe(onB.accessToken);
    // B learns of the refresh through NOTIFY; until then its cached token is still a valid one.
    let fromB = onB;
    for (let i = 0; i < 40 && fromB.accessToken !== fromA.accessToken; i++) {
      await new Promise((r) => setTimeout(r, 50));
      fromB = (await readToken(replicaB, connection.id)).json<TokenBody>();
    }
    expect(fromB.accessToken).toBe(fromA.accessToken);
  });

  it('answers 409 once sipgate refuses the grant, and marks the connection', async () => {
    const connection = await connectOAuth(replicaA, { sub: 'w0', masterSipId: '2556404' });
    replicaA.sandbox.revokeGrantsOf('w0', '2556404');
    await expireIn([replicaA, replicaB], connection.id, 5);
    const response = await readToken(replicaA, connection.id, 60);
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({
      status: 409,
      title: 'The connection needs to be authorized again',
    });
    const view = await replicaB.app.inject({
      url: `/v1/connections/${connection.id}`,
      headers: replicaB.admin,
    });
    expect(view.json()).toMatchObject({ status: 'reauth_required' });
    expect(view.json<{ lastError: string }>().lastError).toMatch(/invalid_grant/);
    expect((await readToken(replicaB, connection.id)).statusCode).toBe(409);
  });

  it("serves its still-valid token instead of waiting out another replica's whole lease", async () => {
    const connection = await connectOAuth(replicaA, { sub: 'w0', masterSipId: '3141592' });
    const held = (await readToken(replicaA, connection.id)).json<TokenBody>();
    await expireIn([replicaA, replicaB], connection.id, 20);
    // A replica that is slow to finish its refresh holds the lease for another minute.
    await sql(
      replicaA.database.url,
      `UPDATE connections SET lease_token = gen_random_uuid(), lease_expires_at = now() + interval '60 seconds' WHERE id = $1`,
      [connection.id],
    );
    const response = await readToken(replicaB, connection.id, 60);
    expect(response.statusCode).toBe(200);
    expect(response.json<TokenBody>().accessToken).toBe(held.accessToken);
    expect(response.json<TokenBody>().expiresIn).toBeLessThanOrEqual(20);
    await sql(
      replicaA.database.url,
      `UPDATE connections SET lease_token = NULL, lease_expires_at = NULL WHERE id = $1`,
      [connection.id],
    );
  }, 15_000);

  it('stops refreshing with reauth_required when sipgate rejects the client itself (invalid_client)', async () => {
    const connection = await connectOAuth(replicaA, { sub: 'w1' });
    const misconfigured = await startSandboxedBroker({
      database,
      sandbox: replicaA.sandbox,
      env: { SIPGATE_CLIENT_SECRET: 'not-the-secret-sipgate-knows-0123456789' },
    });
    try {
      await expireIn([replicaA, replicaB, misconfigured], connection.id, 5);
      const response = await readToken(misconfigured, connection.id, 60);
      expect(response.statusCode).toBe(409);
      const view = await replicaA.app.inject({
        url: `/v1/connections/${connection.id}`,
        headers: replicaA.admin,
      });
      expect(view.json()).toMatchObject({ status: 'reauth_required' });
      expect(view.json<{ lastError: string }>().lastError).toMatch(/invalid_client.*SIPGATE_CLIENT_SECRET/);
    } finally {
      await misconfigured.close();
    }
  });

  it('keeps serving a still-valid token while sipgate fails, then 503 with Retry-After once it has expired', async () => {
    const connection = await connectOAuth(replicaA, { sub: 'w1' });
    await expireIn([replicaA, replicaB], connection.id, 20);
    replicaA.sandbox.setTokenEndpointFault({ status: 503 });
    try {
      const stillValid = await readToken(replicaA, connection.id, 60);
      expect(stillValid.statusCode).toBe(200);
      expect(stillValid.json<TokenBody>().expiresIn).toBeLessThanOrEqual(20);

      await expireIn([replicaA, replicaB], connection.id, -1);
      // The failed attempt scheduled a back-off; readers meanwhile do not hammer sipgate.
      const gone = await readToken(replicaB, connection.id, 60);
      expect(gone.statusCode).toBe(503);
      expect(Number(gone.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      const view = await replicaA.app.inject({
        url: `/v1/connections/${connection.id}`,
        headers: replicaA.admin,
      });
      expect(view.json()).toMatchObject({ status: 'active' });
    } finally {
      replicaA.sandbox.setTokenEndpointFault(null);
    }
    await sql(replicaA.database.url, `UPDATE connections SET refresh_due_at = now() WHERE id = $1`, [
      connection.id,
    ]);
    const recovered = await readToken(replicaA, connection.id, 60);
    expect(recovered.statusCode).toBe(200);
    expect(await acceptedBySandbox(replicaA, recovered.json<TokenBody>().authorizationHeader)).toBe(true);
  });

  it('answers 404 for an unknown connection and 400 for a malformed id or minValidity', async () => {
    expect((await readToken(replicaA, '7b0d5a5e-0000-4000-8000-000000000000')).statusCode).toBe(404);
    const badId = await readToken(replicaA, 'not-a-uuid');
    expect(badId.statusCode).toBe(400);
    expect(badId.json<{ detail: string }>().detail).toMatch(/id must be a UUID/);
    const connection = await connectOAuth(replicaA, { sub: 'w1' });
    for (const value of ['-1', '3601', 'abc', '1.5']) {
      const response = await replicaA.app.inject({
        url: `/v1/connections/${connection.id}/token?minValidity=${value}`,
        headers: replicaA.admin,
      });
      expect(response.statusCode).toBe(400);
      expect(response.json<{ detail: string }>().detail).toMatch(/minValidity/);
    }
  });

  it('stops serving a disconnected PAT on every replica, even when nothing is sent after the commit', async () => {
    const [pat] = replicaA.sandbox.pats();
    const connection = await connectPat(replicaA, pat!);
    expect((await readToken(replicaB, connection.id)).statusCode).toBe(200); // cached on B; it never expires
    // Replica A cannot publish anything once its transaction has committed (it died, or Postgres
    // went away, at that moment): the notice must have travelled with the commit.
    const publish = jest.spyOn(replicaA.app.get(ChangeFeed), 'publish').mockRejectedValue(new Error('gone'));
    try {
      const deleted = await replicaA.app.inject({
        method: 'DELETE',
        url: `/v1/connections/${connection.id}`,
        headers: replicaA.admin,
      });
      expect(deleted.statusCode).toBe(204);
      await within(2_000, async () =>
        expect((await readToken(replicaB, connection.id)).statusCode).toBe(404),
      );
    } finally {
      publish.mockRestore();
    }
  });
});
