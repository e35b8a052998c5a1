import { Module } from '@nestjs/common';
import { TokenRateLimitGuard } from './token-rate-limit.guard.js';
import { TokenRateLimiter } from './token-rate-limiter.js';

/** Import where a controller uses @TokenRateLimit(): the guard is resolved in that module. */
@Module({
  providers: [TokenRateLimiter, TokenRateLimitGuard],
  exports: [TokenRateLimiter, TokenRateLimitGuard],
})
export class RateLimitModule {}
