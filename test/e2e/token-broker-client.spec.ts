import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  AccessDeniedError,
  ApiKeyRejectedError,
  BrokerUnreachableError,
  ConnectionNotFoundError,
  RateLimitedError,
  ReauthRequiredError,
  TokenBrokerClient,
  type TokenBrokerClientOptions,
  TokenUnavailableError,
} from '#libs/token-broker-client';
import { connectOAuth } from '../support/connect-flow.js';
import {
  connectPat,
  countingFetch,
  createTokenReaderKey,
  expireStoredToken,
  sandboxAccepts,
  sandboxUsers,
  serveBroker,
} from '../support/consumer-fixture.js';
import { startSandboxedBroker, type SandboxedBroker } from '../support/sandboxed-broker.js';

/** The consumer library against the real broker over HTTP, with tokens checked at the sandbox. */
describe('TokenBrokerClient against the broker', () => {
  let broker: SandboxedBroker;
  let baseUrl: string;
  let apiKey: string;
  beforeAll(async () => {
    broker = await startSandboxedBroker({ sandboxOptions: { users: sandboxUsers(8) } });
    baseUrl = await serveBroker(broker);
    apiKey = await createTokenReaderKey(broker);
  });
  afterAll(() => broker.close());

  /** A client with its own request counter and a clock the test can move. */
  function consumer(options: Partial<TokenBrokerClientOptions> = {}) {
    const counted = countingFetch();
    let now = Date.now();
    const clock = () => now;
    const client = new TokenBrokerClient({ baseUrl, apiKey, fetch: counted.fetch, now: clock, ...options });
    return {
      client,
      clock,
      requests: counted.urls,
      advance: (seconds: number) => void (now += seconds * 1000),
    };
  }

  it('hands out a token sipgate accepts, and serves it again from its cache', async () => {
    const connection = await connectOAuth(broker, { sub: 'w0' });
    const { client, requests } = consumer();

    const token = await client.getToken(connection.id);
    expect(token).toMatchObject({ tokenType: 'Bearer', authorizationHeader: `Bearer ${token.accessToken}` });
    expect(await sandboxAccepts(broker, token.authorizationHeader)).toBe(true);
    expect(await client.getToken(connection.id)).toBe(token);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.searchParams.get('minValidity')).toBe('75');
  });

  it('makes one request to the broker for 20 concurrent callers', async () => {
    const connection = await connectOAuth(broker, { sub: 'w1' });
    const { client, requests } = consumer();

    const tokens = await Promise.all(Array.from({ length: 20 }, () => client.getToken(connection.id)));
    expect(new Set(tokens).size).toBe(1);
    expect(requests).toHaveLength(1);
  });

  it('asks the broker again once the token would fall below minValidity, and gets a refreshed one when due', async () => {
    const connection = await connectOAuth(broker, { sub: 'w2' });
    const { client, clock, requests, advance } = consumer({ minValiditySeconds: 60 });
    const first = await client.getToken(connection.id);
    const secondsLeft = (first.expiresAt!.getTime() - clock()) / 1000;

    advance(secondsLeft - 61);
    expect(await client.getToken(connection.id)).toBe(first);
    expect(requests).toHaveLength(1);

    // In the client's clock the token now has less than 60 s left; at the broker it is nearly due too.
    advance(2);
    await expireStoredToken(broker, connection.id, 50);
    const before = broker.sandbox.stats().refreshesSucceeded;
    const second = await client.getToken(connection.id);
    expect(requests).toHaveLength(2);
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(broker.sandbox.stats().refreshesSucceeded - before).toBe(1);
    expect(await sandboxAccepts(broker, second.authorizationHeader)).toBe(true);
  });

  it('reuses a Personal Access Token for a bounded time only', async () => {
    const pat = broker.sandbox.pats().find((p) => p.sub === 'w3')!;
    const connection = await connectPat(broker, pat);
    const { client, requests, advance } = consumer({ patCacheSeconds: 300 });

    const token = await client.getToken(connection.id);
    expect(token).toMatchObject({ tokenType: 'Basic', expiresAt: null });
    expect(await sandboxAccepts(broker, token.authorizationHeader)).toBe(true);
    advance(299);
    await client.getToken(connection.id);
    expect(requests).toHaveLength(1);
    advance(1);
    await client.getToken(connection.id);
    expect(requests).toHaveLength(2);
  });

  it('asks the broker again after invalidate', async () => {
    const connection = await connectOAuth(broker, { sub: 'w6' });
    const { client, requests } = consumer();
    await client.getToken(connection.id);
    client.invalidate(connection.id);
    await client.getToken(connection.id);
    expect(requests).toHaveLength(2);
  });

  describe('maps the broker’s problems to typed errors', () => {
    it('404 for an unknown connection', async () => {
      const error = await consumer()
        .client.getToken(randomUUID())
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectionNotFoundError);
      expect(error).toMatchObject({ status: 404, requestId: expect.any(String) });
    });

    it('401 for an unknown API key, 403 for a key limited to other connections', async () => {
      const connection = await connectOAuth(broker, { sub: 'w7' });
      const unknown = new TokenBrokerClient({ baseUrl, apiKey: `sgtb_${'0'.repeat(40)}` });
      await expect(unknown.getToken(connection.id)).rejects.toBeInstanceOf(ApiKeyRejectedError);

      const elsewhere = await createTokenReaderKey(broker, [randomUUID()]);
      const limited = new TokenBrokerClient({ baseUrl, apiKey: elsewhere });
      const error = await limited.getToken(connection.id).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AccessDeniedError);
      expect(String(error)).not.toContain(elsewhere);
    });

    it('409 once sipgate has ended the grant', async () => {
      const connection = await connectOAuth(broker, { sub: 'w4' });
      broker.sandbox.revokeGrantsOf('w4');
      await expireStoredToken(broker, connection.id, 5);
      const error = await consumer()
        .client.getToken(connection.id)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ReauthRequiredError);
      expect(error).toMatchObject({ status: 409, code: 'reauth_required' });
    });

    it('503 with retryAfterSeconds while sipgate is down and the token has expired', async () => {
      const connection = await connectOAuth(broker, { sub: 'w5' });
      await expireStoredToken(broker, connection.id, -1);
      broker.sandbox.setTokenEndpointFault({ status: 503 });
      try {
        const error = await consumer()
          .client.getToken(connection.id)
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(TokenUnavailableError);
        expect((error as TokenUnavailableError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
      } finally {
        broker.sandbox.setTokenEndpointFault(null);
      }
    });

    it('BrokerUnreachableError when nothing listens at baseUrl', async () => {
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as { port: number };
      await new Promise((resolve) => server.close(resolve));
      const client = new TokenBrokerClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey });
      await expect(client.getToken(randomUUID())).rejects.toBeInstanceOf(BrokerUnreachableError);
    });
  });
});

describe('TokenBrokerClient against a rate-limited broker', () => {
  let broker: SandboxedBroker;
  afterAll(() => broker?.close());

  it('maps 429 to RateLimitedError with retryAfterSeconds, and the next call asks again', async () => {
    broker = await startSandboxedBroker({
      env: { TOKEN_RATE_LIMIT_PER_SECOND: '0.001', TOKEN_RATE_LIMIT_BURST: '1' },
    });
    const baseUrl = await serveBroker(broker);
    const apiKey = await createTokenReaderKey(broker);
    const connection = await connectOAuth(broker);
    const counted = countingFetch();
    const client = new TokenBrokerClient({ baseUrl, apiKey, fetch: counted.fetch });

    await client.getToken(connection.id); // the burst's one token
    client.invalidate(connection.id);
    const error = await client.getToken(connection.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    await expect(client.getToken(connection.id)).rejects.toBeInstanceOf(RateLimitedError);
    expect(counted.urls).toHaveLength(3);
  });
});
