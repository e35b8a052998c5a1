import { Injectable } from '@nestjs/common';
import type { BrokerConfig } from '#libs/config';
import { InjectConfig } from '../config/config.module.js';
import { TokenBuckets } from './token-buckets.js';
import { TokenRateLimitedError } from './token-rate-limited.error.js';

/**
 * Token reads per API key, in memory on this replica: with N replicas behind a load balancer a key
 * gets up to N times the configured rate. Good enough to stop a runaway consumer without a shared
 * store on the hot path.
 */
@Injectable()
export class TokenRateLimiter {
  private readonly buckets: TokenBuckets | null;

  constructor(@InjectConfig() private readonly config: BrokerConfig) {
    const limit = config.tokenRateLimit;
    this.buckets = limit.perSecond > 0 ? new TokenBuckets(limit) : null;
  }

  /** Throws a 429 problem when `keyId` has no token left. */
  consume(keyId: string): void {
    if (!this.buckets) return;
    const waitMs = this.buckets.take(keyId);
    if (waitMs > 0) throw new TokenRateLimitedError(this.config.tokenRateLimit, waitMs);
  }
}
