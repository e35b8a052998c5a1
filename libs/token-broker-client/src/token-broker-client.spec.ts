import { describe, expect, it } from '@jest/globals';
import { BrokerUnreachableError, TokenBrokerError } from './errors.js';
import { TokenBrokerClient } from './token-broker-client.js';

interface Call {
  url: URL;
  answer(body: unknown, status?: number): void;
  fail(error: Error): void;
}

/** A fetch whose answers the test gives by hand, one call at a time, with a clock the test moves. */
function fakeBroker() {
  const calls: Call[] = [];
  let now = Date.UTC(2026, 0, 1);
  let answerEveryCall: (() => unknown) | undefined;
  const fetch = (input: string | URL | Request, init?: RequestInit) =>
    new Promise<Response>((resolve, reject) => {
      init?.signal?.addEventListener('abort', () => reject(init.signal?.reason as Error));
      const call: Call = {
        url: new URL(input instanceof Request ? input.url : String(input)),
        answer: (body, status = 200) =>
          resolve(
            new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }),
          ),
        fail: reject,
      };
      calls.push(call);
      if (answerEveryCall) call.answer(answerEveryCall());
    });
  const client = (options: Partial<ConstructorParameters<typeof TokenBrokerClient>[0]> = {}) =>
    new TokenBrokerClient({
      baseUrl: 'http://broker.test/base/',
      apiKey: 'sgtb_key',
      fetch,
      now: () => now,
      ...options,
    });
  return {
    calls,
    client,
    advance: (seconds: number) => void (now += seconds * 1000),
    answerEveryCall: (body: () => unknown) => void (answerEveryCall = body),
  };
}

const bearer = (token: string, expiresIn = 300) => ({
  tokenType: 'Bearer',
  accessToken: token,
  authorizationHeader: `Bearer ${token}`,
  expiresIn,
});
const pat = { tokenType: 'Basic', accessToken: 'cGF0', authorizationHeader: 'Basic cGF0', expiresIn: null };
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('TokenBrokerClient', () => {
  it('asks for minValidity plus the skew, under the base URL path', async () => {
    const broker = fakeBroker();
    const pending = broker.client({ minValiditySeconds: 45, refreshSkewSeconds: 5 }).getToken('c/1');
    await settle();
    expect(broker.calls[0]!.url.toString()).toBe(
      'http://broker.test/base/v1/connections/c%2F1/token?minValidity=50',
    );
    broker.calls[0]!.answer(bearer('t1'));
    await expect(pending).resolves.toMatchObject({ authorizationHeader: 'Bearer t1', tokenType: 'Bearer' });
  });

  it('reuses a token until it would drop below minValidity, counted from when the request was sent', async () => {
    const broker = fakeBroker();
    const client = broker.client({ minValiditySeconds: 60 });
    const first = client.getToken('c1');
    await settle();
    broker.advance(2); // the answer takes 2 s: the client must not count the token's life from its arrival
    broker.calls[0]!.answer(bearer('t1', 300));
    const token = await first;
    expect(token.expiresAt?.getTime()).toBe(Date.UTC(2026, 0, 1) + 300_000);

    broker.advance(237); // 61 s left of the token
    await expect(client.getToken('c1')).resolves.toBe(token);
    broker.advance(1); // 60 s left: no longer enough
    const second = client.getToken('c1');
    await settle();
    expect(broker.calls).toHaveLength(2);
    broker.calls[1]!.answer(bearer('t2', 300));
    await expect(second).resolves.toMatchObject({ accessToken: 't2' });
  });

  it('shares one broker request among concurrent callers, and a failure reaches all of them', async () => {
    const broker = fakeBroker();
    const client = broker.client();
    const callers = Array.from({ length: 10 }, () => client.getToken('c1'));
    await settle();
    expect(broker.calls).toHaveLength(1);
    broker.calls[0]!.answer({ type: 'x/reauth-required', title: 'Reauth', status: 409 }, 409);
    const results = await Promise.allSettled(callers);
    expect(results.every((r) => r.status === 'rejected')).toBe(true);

    const retry = client.getToken('c1'); // a failure is not cached
    await settle();
    expect(broker.calls).toHaveLength(2);
    broker.calls[1]!.answer(bearer('t1'));
    await expect(retry).resolves.toMatchObject({ accessToken: 't1' });
  });

  it('reuses a Personal Access Token for patCacheSeconds', async () => {
    const broker = fakeBroker();
    const client = broker.client({ patCacheSeconds: 120 });
    const first = client.getToken('p1');
    await settle();
    broker.calls[0]!.answer(pat);
    await expect(first).resolves.toEqual({
      authorizationHeader: 'Basic cGF0',
      accessToken: 'cGF0',
      tokenType: 'Basic',
      expiresAt: null,
    });
    broker.advance(119);
    await client.getToken('p1');
    expect(broker.calls).toHaveLength(1);
    broker.advance(1);
    void client.getToken('p1').catch(() => undefined);
    await settle();
    expect(broker.calls).toHaveLength(2);
  });

  it('does not cache a token that comes back with less than minValidity left', async () => {
    const broker = fakeBroker();
    const client = broker.client({ minValiditySeconds: 60 });
    const first = client.getToken('c1');
    await settle();
    broker.calls[0]!.answer(bearer('short', 20));
    await expect(first).resolves.toMatchObject({ accessToken: 'short' });
    void client.getToken('c1').catch(() => undefined);
    await settle();
    expect(broker.calls).toHaveLength(2);
  });

  it('keeps the answer of a fetch that started before invalidate out of the cache', async () => {
    const broker = fakeBroker();
    const client = broker.client();
    const before = client.getToken('c1');
    await settle();
    client.invalidate('c1');
    const after = client.getToken('c1');
    await settle();
    expect(broker.calls).toHaveLength(2);
    broker.calls[1]!.answer(bearer('new'));
    broker.calls[0]!.answer(bearer('old'));
    await expect(before).resolves.toMatchObject({ accessToken: 'old' });
    await expect(after).resolves.toMatchObject({ accessToken: 'new' });
    await expect(client.getToken('c1')).resolves.toMatchObject({ accessToken: 'new' });
  });

  describe('renewAfterRejection', () => {
    async function withCached(token: string) {
      const broker = fakeBroker();
      const client = broker.client();
      const first = client.getToken('c1');
      await settle();
      broker.calls[0]!.answer(bearer(token));
      await first;
      return { broker, client };
    }

    it('takes a different token from the broker without forcing a refresh', async () => {
      const { broker, client } = await withCached('old');
      const renewed = client.renewAfterRejection('c1', 'Bearer old');
      await settle();
      expect(broker.calls[1]!.url.searchParams.get('minValidity')).toBe('75');
      broker.calls[1]!.answer(bearer('new'));
      await expect(renewed).resolves.toMatchObject({ accessToken: 'new' });
      expect(broker.calls).toHaveLength(2);
    });

    it('asks for a token outliving the rejected one when the broker hands it out again, once for many callers', async () => {
      const { broker, client } = await withCached('old');
      broker.advance(100); // 200 s left of the rejected token
      const renewals = Array.from({ length: 5 }, () => client.renewAfterRejection('c1', 'Bearer old'));
      await settle();
      expect(broker.calls).toHaveLength(2);
      broker.calls[1]!.answer(bearer('old', 200));
      await settle();
      expect(broker.calls).toHaveLength(3);
      expect(broker.calls[2]!.url.searchParams.get('minValidity')).toBe('201');
      broker.calls[2]!.answer(bearer('fresh'));
      const tokens = await Promise.all(renewals);
      expect(tokens.map((t) => t.accessToken)).toEqual(Array(5).fill('fresh'));
      await expect(client.getToken('c1')).resolves.toMatchObject({ accessToken: 'fresh' });
    });

    it('forces at most one refresh per connection within the cooldown', async () => {
      const broker = fakeBroker();
      broker.answerEveryCall(() => bearer('old', 250)); // the broker keeps handing out the rejected token
      const client = broker.client();
      await client.getToken('c1');
      await client.renewAfterRejection('c1', 'Bearer old');
      expect(broker.calls).toHaveLength(3); // first fetch, refetch, forced renewal
      await expect(client.renewAfterRejection('c1', 'Bearer old')).resolves.toMatchObject({
        accessToken: 'old',
      });
      expect(broker.calls).toHaveLength(4); // refetch only
      broker.advance(30);
      await client.renewAfterRejection('c1', 'Bearer old');
      expect(broker.calls).toHaveLength(6);
    });

    it('never forces a refresh for a Personal Access Token', async () => {
      const broker = fakeBroker();
      const client = broker.client();
      const first = client.getToken('p1');
      await settle();
      broker.calls[0]!.answer(pat);
      await first;
      const renewed = client.renewAfterRejection('p1', 'Basic cGF0');
      await settle();
      broker.calls[1]!.answer(pat);
      await expect(renewed).resolves.toMatchObject({ authorizationHeader: 'Basic cGF0' });
      expect(broker.calls).toHaveLength(2);
    });
  });

  it('reports an unreachable broker and a timeout as BrokerUnreachableError', async () => {
    const broker = fakeBroker();
    const refused = broker.client().getToken('c1');
    await settle();
    broker.calls[0]!.fail(new TypeError('fetch failed'));
    await expect(refused).rejects.toBeInstanceOf(BrokerUnreachableError);

    const slow = broker.client({ timeoutMs: 1 }).getToken('c1');
    await expect(slow).rejects.toMatchObject({ name: 'BrokerUnreachableError', code: 'unreachable' });
  });

  it('rejects an answer that is not a token', async () => {
    const broker = fakeBroker();
    const pending = broker.client().getToken('c1');
    await settle();
    broker.calls[0]!.answer({ tokenType: 'Bearer', accessToken: 't' });
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenBrokerError);
    expect(error).toMatchObject({ code: 'unexpected', status: 200 });
  });

  it.each([
    [{ baseUrl: 'broker.internal' }, /baseUrl/],
    [{ apiKey: '' }, /apiKey/],
    [{ minValiditySeconds: -1 }, /minValiditySeconds/],
    [{ minValiditySeconds: 3590, refreshSkewSeconds: 20 }, /must not exceed 3600/],
    [{ timeoutMs: 0 }, /timeoutMs/],
  ])('refuses bad options %p', (options, message) => {
    expect(() => fakeBroker().client(options)).toThrow(message);
  });
});
