import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { EdgeServer, sendJson } from '../test/edge-server.js';
import { leakedSecrets } from '../test/leaked-secrets.js';
import { SipgateApiClient } from './api-client.js';
import { basicAuthorization, bearerAuthorization } from './authorization-header.js';
import { SipgateResponseError, SipgateUnauthorizedError, SipgateUnavailableError } from './errors.js';

const ACCESS_TOKEN = `eyJhbGciOiJSUzI1NiJ9.${randomUUID()}.access`;
const PAT_ID = 'token-FQ1V12';
const PAT = randomUUID();
const userinfo = { sub: 'w0', domain: 'sipgate.de', masterSipId: '2556404', locale: 'de_DE', extra: true };

let edge: EdgeServer;
let client: SipgateApiClient;

beforeAll(async () => {
  edge = await EdgeServer.start();
});
afterAll(() => edge.stop());
beforeEach(() => {
  client = new SipgateApiClient({ apiUrl: edge.url, timeoutMs: 2_000 });
});
afterEach(() => client.close());

async function failureOf(call: Promise<unknown>, secrets: readonly string[]): Promise<Error> {
  const error = await call.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (rejection: unknown) => rejection,
  );
  expect(leakedSecrets(error, secrets)).toEqual([]);
  return error as Error;
}

describe('SipgateApiClient.userinfo', () => {
  it('identifies the owner of an OAuth access token', async () => {
    edge.respond((_request, response) => sendJson(response, 200, userinfo));

    const identity = await client.userinfo(bearerAuthorization(ACCESS_TOKEN));

    expect(identity).toEqual({ sub: 'w0', domain: 'sipgate.de', masterSipId: '2556404', locale: 'de_DE' });
    expect(edge.lastRequest).toMatchObject({ method: 'GET', url: '/v2/authorization/userinfo' });
    expect(edge.lastRequest.headers.authorization).toBe(`Bearer ${ACCESS_TOKEN}`);
  });

  it('identifies the owner of a PAT sent as Basic tokenId:token', async () => {
    edge.respond((_request, response) => sendJson(response, 200, { ...userinfo, masterSipId: 2556404 }));

    const identity = await client.userinfo(basicAuthorization(PAT_ID, PAT));

    expect(identity.masterSipId).toBe('2556404');
    const header = edge.lastRequest.headers.authorization ?? '';
    expect(header.startsWith('Basic ')).toBe(true);
    expect(Buffer.from(header.slice('Basic '.length), 'base64').toString()).toBe(`${PAT_ID}:${PAT}`);
  });

  it('reports rejected credentials as unauthorized without echoing them', async () => {
    edge.respond((request, response) =>
      sendJson(response, 401, {
        error: 'invalid_token',
        error_description: `rejected ${request.headers.authorization} for ${PAT}`,
      }),
    );
    const header = basicAuthorization(PAT_ID, PAT);

    const error = await failureOf(client.userinfo(header), [header, header.slice(6), PAT]);

    expect(error).toBeInstanceOf(SipgateUnauthorizedError);
    expect(error).toMatchObject({ status: 401, endpoint: 'userinfo', retryable: false });
  });

  it('rejects an answer without the identifying fields', async () => {
    edge.respond((_request, response) => sendJson(response, 200, { sub: 'w0', domain: 'sipgate.de' }));
    const error = await failureOf(client.userinfo(bearerAuthorization(ACCESS_TOKEN)), [ACCESS_TOKEN]);
    expect(error).toBeInstanceOf(SipgateResponseError);
    expect(error.message).toContain('masterSipId is missing');
  });

  it('reports a 5xx as unavailable', async () => {
    edge.respond((_request, response) => sendJson(response, 500, { message: ACCESS_TOKEN }));
    const error = await failureOf(client.userinfo(bearerAuthorization(ACCESS_TOKEN)), [ACCESS_TOKEN]);
    expect(error).toBeInstanceOf(SipgateUnavailableError);
  });
});
