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
import type { Principal } from './principal.js';

/** Route metadata never changes at run time; null marks a @Public() route. */
type Requirement = AccessRequirement | null;

function admit(request: FastifyRequest, principal: Principal, requirement: AccessRequirement): true {
  authorize(principal, requirement, (request.params ?? {}) as Record<string, unknown>);
  attachPrincipal(request, principal);
  return true;
}

/**
 * The global guard (APP_GUARD): every route needs an API key unless marked @Public(). Authenticates
 * (401), then checks the route's @RequireScope (403), then attaches the principal for
 * @CurrentPrincipal(). See RequireScope for why it runs before everything else.
 *
 * It answers synchronously when the key's principal is cached (the token read's hot path): no
 * promise, no metadata lookup per request.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly requirements = new WeakMap<object, WeakMap<object, Requirement>>();

  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: ApiKeyAuthenticator,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const requirement = this.requirementOf(context.getHandler(), context.getClass());
    if (requirement === null) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const key = parseBearerKey(request.headers.authorization);
    const cached = this.authenticator.authenticateCached(key);
    if (cached) return admit(request, cached, requirement);
    return this.authenticator.authenticate(key).then((principal) => admit(request, principal, requirement));
  }

  /** By handler, then class: an inherited handler may sit under several controllers. */
  private requirementOf(handler: object, controller: object): Requirement {
    let byController = this.requirements.get(handler);
    if (!byController) this.requirements.set(handler, (byController = new WeakMap()));
    let requirement = byController.get(controller);
    if (requirement === undefined) {
      const targets = [handler, controller] as Parameters<Reflector['getAllAndOverride']>[1];
      requirement = this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, targets)
        ? null
        : (this.reflector.getAllAndOverride<AccessRequirement | undefined>(ACCESS_REQUIREMENT, targets) ??
          DEFAULT_REQUIREMENT);
      byController.set(controller, requirement);
    }
    return requirement;
  }
}
