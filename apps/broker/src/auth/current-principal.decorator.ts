import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Principal } from './principal.js';

/**
 * A module-private symbol on the request, so nothing has to widen Fastify's request type and nothing
 * else can read or forge it. Not a WeakMap: an entry per request cost about as much as the rest of
 * authenticating a cached key (profiled on the token read).
 */
const PRINCIPAL = Symbol('principal');
type WithPrincipal = { [PRINCIPAL]?: Principal };

export function attachPrincipal(request: object, principal: Principal): void {
  (request as WithPrincipal)[PRINCIPAL] = principal;
}

export function principalOf(request: object): Principal {
  const principal = (request as WithPrincipal)[PRINCIPAL];
  // Only reachable from a @Public() route: a programming error, not a client's.
  if (!principal) throw new Error('@CurrentPrincipal() used on a route without authentication');
  return principal;
}

/** The authenticated API key of this request: `handler(@CurrentPrincipal() principal: Principal)`. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext) =>
  principalOf(context.switchToHttp().getRequest<object>()),
);
