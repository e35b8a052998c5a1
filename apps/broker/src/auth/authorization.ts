import { ForbiddenError } from '../problems/auth-errors.js';
import type { AccessRequirement } from './auth-metadata.js';
import { hasScope, mayUseConnection, type Principal } from './principal.js';

/**
 * Checks an authenticated principal against a route's requirement; throws 403. A key limited to
 * some connections must name one of them in the route's connection parameter: on routes that
 * declare no such parameter (or lack it) it is refused, so a new route cannot leak other connections.
 */
export function authorize(
  principal: Principal,
  requirement: AccessRequirement,
  params: Readonly<Record<string, unknown>>,
): void {
  if (!hasScope(principal, requirement.scope)) {
    throw new ForbiddenError(`This API key lacks the "${requirement.scope}" scope.`);
  }
  if (principal.connectionIds === null || requirement.connectionParam === null) return;
  const connectionId = params[requirement.connectionParam];
  if (typeof connectionId !== 'string' || !mayUseConnection(principal, connectionId)) {
    throw new ForbiddenError('This API key is not allowed to use this connection.');
  }
}
