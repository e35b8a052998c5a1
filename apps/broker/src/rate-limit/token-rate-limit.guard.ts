import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { principalOf } from '../auth/current-principal.decorator.js';
import { TokenRateLimiter } from './token-rate-limiter.js';

/**
 * Runs after the global AuthGuard (Nest runs global guards before route guards), so it always has
 * a principal: unknown keys are refused with 401 before they could create a bucket, and a key
 * refused with 403 spends nothing.
 */
@Injectable()
export class TokenRateLimitGuard implements CanActivate {
  constructor(private readonly limiter: TokenRateLimiter) {}

  canActivate(context: ExecutionContext): boolean {
    this.limiter.consume(principalOf(context.switchToHttp().getRequest<object>()).keyId);
    return true;
  }
}
