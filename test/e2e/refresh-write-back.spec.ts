import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '#libs/testing';
import { RefreshRepository } from '../../apps/broker/src/refresh/refresh.repository.js';
import { connectOAuth, readToken } from '../support/connect-flow.js';
import { startSandboxedBroker, type SandboxedBroker } from '../support/sandboxed-broker.js';

const refresh = (broker: SandboxedBroker, id: string) =>
  broker.app.inject({ method: 'POST', url: `/v1/connections/${id}/refresh`, headers: broker.admin });

describe('storing rotated tokens', () => {
  let database: TestDatabase;
  let broker: SandboxedBroker;
  let replica: SandboxedBroker;
  beforeAll(async () => {
    database = await createTestDatabase();
    broker = await startSandboxedBroker({ database });
    replica = await startSandboxedBroker({ database, sandbox: broker.sandbox });
  });
  afterAll(async () => {
    await replica.close();
    await broker.close();
    await database.drop();
  });

  it('completes a refresh whose write-back committed but was never acknowledged, keeping the session', async () => {
    const connection = await connectOAuth(broker, { sub: 'w1' });
    const repository = broker.app.get(RefreshRepository);
    const complete = repository.complete.bind(repository);
    // The edge being simulated is the database's: COMMIT went through, then the connection dropped
    // before its answer arrived, so the refresher cannot tell and must try again.
    jest.spyOn(repository, 'complete').mockImplementationOnce(async (claim, sealed) => {
      await complete(claim, sealed);
      throw new Error('Connection terminated unexpectedly');
    });
    const before = broker.sandbox.stats();

    expect((await refresh(broker, connection.id)).statusCode).toBe(200);
    expect((await readToken(broker, connection.id)).statusCode).toBe(200);
    // Its own stored tokens were not mistaken for another replica's: no logout ended the session,
    // and the refresh token it stored still works.
    expect((await refresh(broker, connection.id)).statusCode).toBe(200);
    const after = broker.sandbox.stats();
    expect(after.logouts - before.logouts).toBe(0);
    expect(after.refreshesSucceeded - before.refreshesSucceeded).toBe(2);
    expect(after.refreshTokenReuses - before.refreshTokenReuses).toBe(0);
  });

  it('does not log out a session whose write-back may have committed, when another replica refreshed from it meanwhile', async () => {
    const connection = await connectOAuth(broker, { sub: 'w0', masterSipId: '3141592' });
    const repository = broker.app.get(RefreshRepository);
    const complete = repository.complete.bind(repository);
    // COMMIT went through, its answer was lost; before the retry, another replica legitimately
    // refreshes with the token just stored, so the retry finds neither of the values it knows.
    jest.spyOn(repository, 'complete').mockImplementationOnce(async (claim, sealed) => {
      await complete(claim, sealed);
      expect((await refresh(replica, connection.id)).statusCode).toBe(200);
      throw new Error('Connection terminated unexpectedly');
    });
    const before = broker.sandbox.stats();

    expect((await refresh(broker, connection.id)).statusCode).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 500)); // a logout would be sent in the background
    expect(broker.sandbox.stats().logouts - before.logouts).toBe(0);
    // The session lives on: the replica's stored refresh token still works.
    expect((await refresh(replica, connection.id)).statusCode).toBe(200);
    expect(broker.sandbox.stats().refreshTokenReuses - before.refreshTokenReuses).toBe(0);
  });
});
