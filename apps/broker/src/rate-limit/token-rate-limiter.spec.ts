import { describe, expect, it } from '@jest/globals';
import type { BrokerConfig } from '#libs/config';
import { TokenRateLimitedError } from './token-rate-limited.error.js';
import { TokenRateLimiter } from './token-rate-limiter.js';

const limiterWith = (perSecond: number, burst: number) =>
  new TokenRateLimiter({ tokenRateLimit: { perSecond, burst } } as BrokerConfig);

describe('TokenRateLimiter', () => {
  // One token per 1000 s: nothing refills between these synchronous calls, whatever the clock does.
  it('refuses a key past its burst with a 429 problem that names the limit', () => {
    const limiter = limiterWith(0.001, 2);
    limiter.consume('key');
    limiter.consume('key');
    let refusal: unknown;
    try {
      limiter.consume('key');
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(TokenRateLimitedError);
    const error = refusal as TokenRateLimitedError;
    expect(error.status).toBe(429);
    expect(error.detail).toMatch(/0\.001 tokens per second.*bursts of up to 2/);
    expect(Number(error.headers['retry-after'])).toBeGreaterThan(990);
    expect(() => limiter.consume('other key')).not.toThrow();
  });

  it('limits nothing when TOKEN_RATE_LIMIT_PER_SECOND is 0', () => {
    const limiter = limiterWith(0, 1);
    expect(() => {
      for (let i = 0; i < 1_000; i++) limiter.consume('key');
    }).not.toThrow();
  });
});

describe('TokenRateLimitedError', () => {
  it('rounds the wait up to whole seconds, and never below 1', () => {
    const limit = { perSecond: 10, burst: 20 };
    expect(new TokenRateLimitedError(limit, 0.4).headers['retry-after']).toBe('1');
    expect(new TokenRateLimitedError(limit, 1_000).headers['retry-after']).toBe('1');
    expect(new TokenRateLimitedError(limit, 1_001).headers['retry-after']).toBe('2');
  });
});
