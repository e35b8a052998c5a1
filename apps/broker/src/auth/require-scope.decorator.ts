import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ACCESS_REQUIREMENT, type AccessRequirement } from './auth-metadata.js';
import type { Scope } from './principal.js';

export interface RequireScopeOptions {
  /**
   * Path parameter naming the connection the route acts on (default `id`). A key limited to some
   * connections is refused (403) unless this parameter is one of them; on a route without that
   * parameter it is refused too, so pass `null` for routes that act on no single connection and
   * filter by `@CurrentPrincipal()` yourself.
   */
  connectionParam?: string | null;
}

/**
 * Requires an API key with `scope` (`admin` implies every scope), on a route or a whole controller.
 *
 * Order of checks: the AuthGuard is global (APP_GUARD), and Nest runs global guards before
 * controller and route guards, interceptors and pipes. So the key is checked first (401), then the
 * scope and connection (403), and only then is the body validated (400): callers without access
 * learn nothing about a route's input, and no other guard ever sees a request without a principal.
 */
export function RequireScope(scope: Scope, options: RequireScopeOptions = {}) {
  const connectionParam = options.connectionParam === undefined ? 'id' : options.connectionParam;
  const requirement: AccessRequirement = { scope, connectionParam };
  return applyDecorators(
    SetMetadata(ACCESS_REQUIREMENT, requirement),
    ApiBearerAuth('api-key'),
    ApiUnauthorizedResponse({
      description: 'No API key, a malformed Authorization header, or an unknown or revoked key',
    }),
    ApiForbiddenResponse({
      description: `The API key lacks the \`${scope}\` scope, or is limited to other connections`,
    }),
  );
}
