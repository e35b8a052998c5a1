import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants.js';
import type { FastifyRequest } from 'fastify';
import { principalOf } from '../auth/current-principal.decorator.js';
import { describeAdminAction } from './audit-actions.js';
import type { AuditContext } from './audit-recorder.js';

/** Marks a handler that takes an @Audited() context, for the start-up check (AuditedRoutes). */
const AUDITED_HANDLER = 'broker:audit:audited';

export function takesAuditContext(handler: object): boolean {
  return Reflect.getMetadata(AUDITED_HANDLER, handler) === true;
}

/**
 * The audit context of this admin request, for the repository that records it with the change:
 * `handler(@Audited() audit: AuditContext)`. The actor comes from the AuthGuard's principal, the
 * action and path target from the route (audit-actions.ts), the status from the route's @HttpCode
 * (Nest's default otherwise: 201 for POST, 200 for the rest).
 */
export const Audited = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuditContext => {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const params = (request.params ?? {}) as Record<string, unknown>;
    const statusCode =
      (Reflect.getMetadata(HTTP_CODE_METADATA, context.getHandler()) as number | undefined) ??
      (request.method === 'POST' ? 201 : 200);
    return {
      ...describeAdminAction(request.method, request.routeOptions.url ?? request.url, params),
      actorKeyId: principalOf(request).keyId,
      requestId: request.id,
      statusCode,
    };
  },
  [
    (target, key) => {
      if (key !== undefined) {
        Reflect.defineMetadata(AUDITED_HANDLER, true, (target as Record<string | symbol, object>)[key]!);
      }
    },
  ],
);
