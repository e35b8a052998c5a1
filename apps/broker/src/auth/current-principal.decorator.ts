import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Principal } from './principal.js';

/** Keyed by the request object, so nothing has to widen Fastify's request type. */
const principals = new WeakMap<object, Principal>();

export function attachPrincipal(request: object, principal: Principal): void {
  principals.set(request, principal);
}

export function principalOf(request: object): Principal {
  const principal = principals.get(request);
  // Only reachable from a @Public() route: a programming error, not a client's.
  if (!principal) throw new Error('@CurrentPrincipal() used on a route without authentication');
  return principal;
}

/** The authenticated API key of this request: `handler(@CurrentPrincipal() principal: Principal)`. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext) =>
  principalOf(context.switchToHttp().getRequest<object>()),
);
