import { Injectable, type OnApplicationBootstrap, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA } from '@nestjs/common/constants.js';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import {
  ACCESS_REQUIREMENT,
  type AccessRequirement,
  DEFAULT_REQUIREMENT,
  IS_PUBLIC,
} from '../auth/auth-metadata.js';
import { takesAuditContext } from './audited.decorator.js';

const MUTATING: ReadonlySet<RequestMethod> = new Set([
  RequestMethod.POST,
  RequestMethod.PUT,
  RequestMethod.PATCH,
  RequestMethod.DELETE,
  RequestMethod.ALL,
]);

/**
 * Start-up fails if a mutating admin route takes no @Audited() context. The audit record is written
 * by the change itself, in its transaction (AuditRecorder), so a route that forgot the context
 * would change things without a trail and nothing at run time would notice; this keeps the promise
 * that every successful admin change is recorded, for routes not written yet too.
 */
@Injectable()
export class AuditedRoutes implements OnApplicationBootstrap {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  onApplicationBootstrap(): void {
    const unaudited: string[] = [];
    for (const { metatype } of this.discovery.getControllers()) {
      if (typeof metatype !== 'function') continue;
      const prototype = metatype.prototype as Record<string, object>;
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name]!;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (method === undefined || !MUTATING.has(method) || !this.isAdminRoute(handler, metatype)) continue;
        if (!takesAuditContext(handler)) unaudited.push(`${metatype.name}.${name}`);
      }
    }
    if (unaudited.length) {
      throw new Error(
        `mutating admin routes without an @Audited() context, whose changes would go unrecorded: ${unaudited.join(', ')}`,
      );
    }
  }

  /** Same reading as the AuthGuard: no decorator means admin. */
  private isAdminRoute(handler: object, controller: object): boolean {
    const targets = [handler, controller] as Parameters<Reflector['getAllAndOverride']>[1];
    if (this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, targets)) return false;
    const requirement =
      this.reflector.getAllAndOverride<AccessRequirement | undefined>(ACCESS_REQUIREMENT, targets) ??
      DEFAULT_REQUIREMENT;
    return requirement.scope === 'admin';
  }
}
