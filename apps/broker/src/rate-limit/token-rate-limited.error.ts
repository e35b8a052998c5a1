import { DomainError } from '../problems/domain-error.js';
import type { TokenBucketLimit } from './token-buckets.js';

/** 429: the API key read tokens faster than TOKEN_RATE_LIMIT_PER_SECOND allows. */
export class TokenRateLimitedError extends DomainError {
  readonly status = 429;
  readonly type = 'rate-limited';
  readonly title = 'Too many token requests';

  /** `waitMs`: until the key's next token; Retry-After is whole seconds, and 0 would invite a busy loop. */
  constructor(limit: TokenBucketLimit, waitMs: number) {
    const retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
    super(
      `This API key may read ${limit.perSecond} tokens per second on this broker instance, in bursts of up to ` +
        `${limit.burst} (TOKEN_RATE_LIMIT_PER_SECOND, TOKEN_RATE_LIMIT_BURST); retry after ${retryAfterSeconds} s.`,
    );
    this.headers['retry-after'] = String(retryAfterSeconds);
  }
}
