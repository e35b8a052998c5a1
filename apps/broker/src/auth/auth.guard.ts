import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ApiKeyAuthenticator } from './api-key-authenticator.js';
import {
  ACCESS_REQUIREMENT,
  type AccessRequirement,
  DEFAULT_REQUIREMENT,
  IS_PUBLIC,
} from './auth-metadata.js';
import { authorize } from './authorization.js';
import { parseBearerKey } from './bearer-header.js';
import { attachPrincipal } from './current-principal.decorator.js';

/**
 * The global guard (APP_GUARD): every route needs an API key unless marked @Public(). Authenticates
 * (401), then checks the route's @RequireScope (403), then attaches the principal for
 * @CurrentPrincipal(). See RequireScope for why it runs before everything else.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: ApiKeyAuthenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, targets)) return true;
    const requirement =
      this.reflector.getAllAndOverride<AccessRequirement | undefined>(ACCESS_REQUIREMENT, targets) ??
      DEFAULT_REQUIREMENT;

    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const principal = await this.authenticator.authenticate(parseBearerKey(request.headers.authorization));
    authorize(principal, requirement, (request.params ?? {}) as Record<string, unknown>);
    attachPrincipal(request, principal);
    return true;
  }
}
