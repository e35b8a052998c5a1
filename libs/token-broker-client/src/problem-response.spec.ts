import { describe, expect, it } from '@jest/globals';
import {
  AccessDeniedError,
  ApiKeyRejectedError,
  ConnectionNotFoundError,
  RateLimitedError,
  ReauthRequiredError,
  TokenBrokerError,
  TokenUnavailableError,
} from './errors.js';
import { errorFromResponse, parseRetryAfter } from './problem-response.js';

const NOW = Date.UTC(2026, 0, 1, 12);
const problem = (status: number, type: string, headers: Record<string, string> = {}) =>
  new Response(
    JSON.stringify({
      type: `https://github.com/sipgate-token-broker/problems/${type}`,
      title: 'Title',
      status,
      detail: 'Detail.',
      requestId: 'req-1',
    }),
    { status, headers: { 'content-type': 'application/problem+json', ...headers } },
  );

describe('errorFromResponse', () => {
  it.each([
    [401, 'unauthorized', ApiKeyRejectedError, 'unauthorized'],
    [403, 'forbidden', AccessDeniedError, 'forbidden'],
    [404, 'connection-not-found', ConnectionNotFoundError, 'not_found'],
    [409, 'reauth-required', ReauthRequiredError, 'reauth_required'],
    [409, 'not-refreshable', TokenBrokerError, 'unexpected'],
    [500, 'internal-error', TokenBrokerError, 'unexpected'],
  ])('maps %i %s', async (status, type, kind, code) => {
    const error = await errorFromResponse(problem(status, type), 'c1', NOW);
    expect(error).toBeInstanceOf(kind);
    expect(error).toMatchObject({ status, code, connectionId: 'c1', requestId: 'req-1' });
    expect(error.message).toBe('token broker refused the token of connection c1: Title: Detail.');
  });

  it('carries Retry-After of 503 and 429, in seconds or as a date', async () => {
    const unavailable = await errorFromResponse(
      problem(503, 'sipgate-unavailable', { 'retry-after': '7' }),
      'c1',
      NOW,
    );
    expect(unavailable).toBeInstanceOf(TokenUnavailableError);
    expect(unavailable).toMatchObject({ retryAfterSeconds: 7, code: 'unavailable' });
    const limited = await errorFromResponse(
      problem(429, 'too-many-requests', { 'retry-after': new Date(NOW + 3_000).toUTCString() }),
      'c1',
      NOW,
    );
    expect(limited).toBeInstanceOf(RateLimitedError);
    expect(limited).toMatchObject({ retryAfterSeconds: 3, code: 'rate_limited' });
  });

  it('still maps the status when a proxy answered without a problem document', async () => {
    const error = await errorFromResponse(
      new Response('<html>Bad gateway</html>', { status: 503 }),
      'c1',
      NOW,
    );
    expect(error).toBeInstanceOf(TokenUnavailableError);
    expect(error).toMatchObject({ retryAfterSeconds: 1, problem: undefined });
    expect(error.message).toMatch(/HTTP 503$/);
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['12', 12],
    [' 0 ', 0],
    ['Thu, 01 Jan 2026 12:00:10 GMT', 10],
    ['Thu, 01 Jan 2026 11:00:00 GMT', 0],
    ['soon', undefined],
    [null, undefined],
  ])('%p → %p', (value, seconds) => {
    expect(parseRetryAfter(value, NOW)).toBe(seconds);
  });
});
