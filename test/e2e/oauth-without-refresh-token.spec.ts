import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ChangeFeed } from '../../apps/broker/src/change-feed/change-feed.service.js';
import { RefreshScheduler } from '../../apps/broker/src/refresh/refresh-scheduler.js';
import { connectOAuth, readToken, type ConnectionJson } from '../support/connect-flow.js';
import { startSandboxedBroker, type SandboxedBroker } from '../support/sandboxed-broker.js';
import { sql } from '../support/sql.js';

/** Shorter than the default minValidity (30 s), so that default reads need a refresh. */
const ACCESS_TOKEN_TTL_SECONDS = 20;

/** An OAuth connection stored without a refresh token (sipgate sent none): it cannot be renewed. */
describe('an OAuth connection without a refresh token', () => {
  let broker: SandboxedBroker;
  let read: ConnectionJson;
  let unread: ConnectionJson;
  const view = async (id: string) =>
    (await broker.app.inject({ url: `/v1/connections/${id}`, headers: broker.admin })).json<ConnectionJson>();
  /**
   * Its access token expires, as far as the broker knows (it judges by the stored expiry); the
   * cached copy is dropped as a change notice would drop it.
   */
  const expire = async (id: string) => {
    await sql(
      broker.database.url,
      `UPDATE connections SET access_token_expires_at = now() - interval '1 second' WHERE id = $1`,
      [id],
    );
    broker.app.get(ChangeFeed).deliverLocally('connection', id);
  };

  beforeAll(async () => {
    broker = await startSandboxedBroker({
      sandboxOptions: { accessTokenTtlSeconds: ACCESS_TOKEN_TTL_SECONDS },
    });
    read = await connectOAuth(broker, { sub: 'w0', masterSipId: '2556404' });
    unread = await connectOAuth(broker, { sub: 'w1', masterSipId: '2556404' });
    await sql(
      broker.database.url,
      `UPDATE connections SET refresh_token_ciphertext = NULL WHERE id = ANY($1::uuid[])`,
      [[read.id, unread.id]],
    );
  }, 60_000);
  afterAll(() => broker.close());

  it('serves its access token while it is valid, even to readers asking for longer', async () => {
    expect((await readToken(broker, read.id, 0)).statusCode).toBe(200);
    const longer = await readToken(broker, read.id, 60);
    expect(longer.statusCode).toBe(200);
    expect(longer.json<{ expiresIn: number }>().expiresIn).toBeLessThanOrEqual(ACCESS_TOKEN_TTL_SECONDS);
    expect(await view(read.id)).toMatchObject({ status: 'active' });
  }, 60_000);

  it('answers 409 once the access token has expired, and says that there is no refresh token', async () => {
    await expire(read.id);

    const started = Date.now();
    const response = await readToken(broker, read.id);
    expect(response.statusCode).toBe(409);
    // Not a wait on a lease nobody holds (that wait was 20 s).
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(response.json<{ detail: string }>().detail).toMatch(/no refresh token/);
    expect(await view(read.id)).toMatchObject({
      status: 'reauth_required',
      lastError: expect.stringMatching(/no refresh token/),
    });
    expect((await readToken(broker, read.id)).statusCode).toBe(409);
    const refresh = await broker.app.inject({
      method: 'POST',
      url: `/v1/connections/${read.id}/refresh`,
      headers: broker.admin,
    });
    expect(refresh.statusCode).toBe(409);
  }, 60_000);

  it('is marked reauth_required by the housekeeping when nobody reads it', async () => {
    await broker.app.get(RefreshScheduler).housekeeping();
    expect(await view(unread.id)).toMatchObject({ status: 'active' });
    await expire(unread.id);

    await broker.app.get(RefreshScheduler).housekeeping();
    expect(await view(unread.id)).toMatchObject({
      status: 'reauth_required',
      lastError: expect.stringMatching(/no refresh token/),
    });
  });
});
