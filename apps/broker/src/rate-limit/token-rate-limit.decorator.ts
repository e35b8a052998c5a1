import { applyDecorators, UseGuards } from '@nestjs/common';
import { ApiTooManyRequestsResponse } from '@nestjs/swagger';
import { TokenRateLimitGuard } from './token-rate-limit.guard.js';

/**
 * Limits a route per API key (TOKEN_RATE_LIMIT_PER_SECOND / TOKEN_RATE_LIMIT_BURST). Order: the
 * global AuthGuard first (401/403), then this guard (429), then validation (400) and the handler,
 * so only authenticated, authorized requests spend tokens, malformed ones included.
 */
export const TokenRateLimit = () =>
  applyDecorators(
    UseGuards(TokenRateLimitGuard),
    ApiTooManyRequestsResponse({
      description: 'This API key exceeded its token read rate on this broker instance; see Retry-After',
      headers: {
        'Retry-After': { description: 'Seconds to wait (at least 1)', schema: { type: 'integer' } },
      },
    }),
  );
