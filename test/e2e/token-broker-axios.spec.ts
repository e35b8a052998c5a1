import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import axios, { type AxiosInstance } from 'axios';
import { attachTokenBroker, ReauthRequiredError, TokenBrokerClient } from '#libs/token-broker-client';
import { connectOAuth } from '../support/connect-flow.js';
import {
  connectPat,
  countingFetch,
  createTokenReaderKey,
  sandboxAccepts,
  sandboxUsers,
  serveBroker,
} from '../support/consumer-fixture.js';
import { startSandboxedBroker, type SandboxedBroker } from '../support/sandboxed-broker.js';
import { waitFor } from '../support/wait-for.js';

/**
 * The axios interceptor as a consumer service uses it: requests to sipgate's REST API (the
 * sandbox's) with the broker's token, and what happens when sipgate stops accepting that token.
 */
describe('attachTokenBroker (axios) against the broker and sipgate', () => {
  let broker: SandboxedBroker;
  let baseUrl: string;
  let apiKey: string;
  beforeAll(async () => {
    // A short margin: a token younger than the margin (10 s at least) is never refreshed on demand,
    // however long a read asks it to last (no refresh storms), so the forced renewal below waits.
    broker = await startSandboxedBroker({
      env: { REFRESH_MARGIN_SECONDS: '2' },
      sandboxOptions: { users: sandboxUsers(4) },
    });
    baseUrl = await serveBroker(broker);
    apiKey = await createTokenReaderKey(broker);
  });
  afterAll(() => broker.close());

  /** An axios instance for sipgate's API that records the Authorization header of every request it sends. */
  function sipgateApi(connectionId: string) {
    const brokerRequests = countingFetch();
    const client = new TokenBrokerClient({ baseUrl, apiKey, fetch: brokerRequests.fetch });
    const sent: string[] = [];
    const http = axios.getAdapter('http');
    const api: AxiosInstance = axios.create({
      baseURL: `${broker.sandbox.url}/v2`,
      adapter: (config) => {
        sent.push(String(config.headers.get('Authorization')));
        return http(config);
      },
    });
    attachTokenBroker(api, client, connectionId);
    return { api, client, sent, brokerRequests: brokerRequests.urls };
  }

  it('sends the connection’s token to sipgate', async () => {
    const connection = await connectOAuth(broker, { sub: 'w0' });
    const { api, sent } = sipgateApi(connection.id);

    const { data } = await api.get<{ sub: string; masterSipId: string }>('authorization/userinfo');
    expect(data).toMatchObject({ sub: 'w0', masterSipId: '4711000' });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatch(/^Bearer /);
  });

  it('recovers from a 401 after an admin connected the account again, with one broker request for all callers', async () => {
    const connection = await connectOAuth(broker, { sub: 'w1' });
    const { api, client, sent, brokerRequests } = sipgateApi(connection.id);
    const old = await client.getToken(connection.id);

    // Connecting the same user again keeps the id and logs the old session out at sipgate.
    expect((await connectOAuth(broker, { sub: 'w1' })).id).toBe(connection.id);
    // sipgate rejects the old token (the logout completes in the background).
    expect(await waitFor(async () => !(await sandboxAccepts(broker, old.authorizationHeader)))).toBe(true);

    const responses = await Promise.all(Array.from({ length: 5 }, () => api.get('authorization/userinfo')));
    expect(responses.map((r) => r.status)).toEqual(Array(5).fill(200));
    expect(brokerRequests).toHaveLength(2); // the first token, and one renewal shared by all five
    expect(sent.filter((h) => h === old.authorizationHeader)).toHaveLength(5);
    const renewed = sent.filter((h) => h !== old.authorizationHeader);
    expect(renewed).toHaveLength(5);
    expect(new Set(renewed).size).toBe(1);
  });

  it('repeats a request only once when sipgate keeps answering 401', async () => {
    const pat = broker.sandbox.pats().find((p) => p.sub === 'w2')!;
    const connection = await connectPat(broker, pat);
    const { api, sent, brokerRequests } = sipgateApi(connection.id);
    await api.get('authorization/userinfo');
    // The PAT is revoked at sipgate; the broker cannot know and keeps handing it out.
    broker.sandbox.revokePat(pat.tokenId);

    const error = await api.get('authorization/userinfo').catch((e: unknown) => e);
    expect(axios.isAxiosError(error) && error.response?.status).toBe(401);
    expect(sent).toHaveLength(3); // the first request, then the failing one and its single repeat
    expect(new Set(sent).size).toBe(1);
    expect(brokerRequests).toHaveLength(2);
  });

  it('surfaces ReauthRequiredError when the broker, pushed to refresh a rejected token, finds the grant gone', async () => {
    const connection = await connectOAuth(broker, { sub: 'w3' });
    const { api, sent, brokerRequests } = sipgateApi(connection.id);
    await api.get('authorization/userinfo');
    broker.sandbox.revokeGrantsOf('w3');
    await new Promise((resolve) => setTimeout(resolve, 11_000)); // older than the 10 s a fresh token is left alone

    const error = await api.get('authorization/userinfo').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReauthRequiredError);
    expect(sent).toHaveLength(2); // no repeat: there is no token to repeat it with
    // First token, the refetch (the broker still has the rejected one), the forced renewal.
    expect(brokerRequests).toHaveLength(3);
    const view = await broker.app.inject({ url: `/v1/connections/${connection.id}`, headers: broker.admin });
    expect(view.json()).toMatchObject({ status: 'reauth_required' });
  });
});
