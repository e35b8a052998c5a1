import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { RefreshRepository } from '../../apps/broker/src/refresh/refresh.repository.js';
import { connectOAuth, readToken } from '../support/connect-flow.js';
import { startSandboxedBroker, type SandboxedBroker } from '../support/sandboxed-broker.js';

const refresh = (broker: SandboxedBroker, id: string) =>
  broker.app.inject({ method: 'POST', url: `/v1/connections/${id}/refresh`, headers: broker.admin });

describe('storing rotated tokens', () => {
  let broker: SandboxedBroker;
  beforeAll(async () => {
    broker = await startSandboxedBroker();
  });
  afterAll(() => broker.close());

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
});
