import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  Logger,
  type NestInterceptor,
} from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants.js';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { mergeMap, type Observable } from 'rxjs';
import { ACCESS_REQUIREMENT, type AccessRequirement, IS_PUBLIC } from '../auth/auth-metadata.js';
import { principalOf } from '../auth/current-principal.decorator.js';
import { describeAdminAction, MUTATING_METHODS } from './audit-actions.js';
import { AuditRepository } from './audit.repository.js';

/**
 * Writes an audit event for every mutating request on an admin route that succeeded: who (the API
 * key id, `bootstrap` for the admin key), what, on which target, the request id and the status it
 * was answered with. Refused requests (400, 404, 409, …) are not recorded: the contract promises that
 * bad input changes nothing, and an attempt that changed nothing is in the access log. Nothing from
 * the request body is stored.
 *
 * The event is written before the response is sent, so a client that got its answer finds the
 * event. If the write fails, the action has happened all the same: the failure is logged and the
 * answer is not changed.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  private readonly logger = new Logger(AuditInterceptor.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly audit: AuditRepository,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (!MUTATING_METHODS.has(request.method) || !this.isAdminRoute(context)) return next.handle();
    const successStatus =
      this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler()) ??
      (request.method === 'POST' ? 201 : 200);
    return next.handle().pipe(
      mergeMap(async (body: unknown) => {
        await this.write(request, successStatus, body);
        return body;
      }),
    );
  }

  /** Same reading as the AuthGuard: no decorator means admin. */
  private isAdminRoute(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, targets)) return false;
    const requirement = this.reflector.getAllAndOverride<AccessRequirement | undefined>(
      ACCESS_REQUIREMENT,
      targets,
    );
    return (requirement?.scope ?? 'admin') === 'admin';
  }

  private async write(request: FastifyRequest, statusCode: number, body: unknown): Promise<void> {
    const params = (request.params ?? {}) as Record<string, unknown>;
    const action = describeAdminAction(request.method, request.routeOptions.url ?? request.url, params, body);
    try {
      await this.audit.record({
        ...action,
        actorKeyId: principalOf(request).keyId,
        requestId: request.id,
        statusCode,
      });
    } catch (error) {
      this.logger.error(
        {
          requestId: request.id,
          action: action.action,
          err: error instanceof Error ? error.message : String(error),
        },
        'writing the audit event failed',
      );
    }
  }
}
