import {
  type CanActivate,
  type ExceptionFilter,
  type ExecutionContext,
  ForbiddenException,
  type Type,
} from '@nestjs/common';
import {
  EXCEPTION_FILTERS_METADATA,
  FILTER_CATCH_EXCEPTIONS,
  GUARDS_METADATA,
  HEADERS_METADATA,
  INTERCEPTORS_METADATA,
  PATH_METADATA,
  PIPES_METADATA,
} from '@nestjs/common/constants.js';
import { ApplicationConfig } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { isObservable, lastValueFrom } from 'rxjs';
import { canonicalUuid } from '../validation/canonical-uuid.js';
import type { IssuedToken } from './issued-tokens.js';
import { TokensController } from './tokens.controller.js';

type Handler = (...args: never[]) => unknown;

/** The route's handler as Nest knows it: the key of its metadata. Called through the controller only. */
// oxlint-disable-next-line typescript/unbound-method
const GET_TOKEN: Handler = TokensController.prototype.getToken;

/** What Fastify sends with a serialized object, so both paths answer alike. */
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** What Nest throws when a guard answers false (`FORBIDDEN_MESSAGE` of @nestjs/core). */
const FORBIDDEN_MESSAGE = 'Forbidden resource';

const SECONDS = /^\d{1,4}$/;
/** TokenQueryDto's default and maximum. */
const DEFAULT_MIN_VALIDITY = 30;
const MAX_MIN_VALIDITY = 3600;

/**
 * The parameters of a token read when they are plainly valid: a UUID `id` in any letter case,
 * handed on in canonical form exactly as UUIDParamDto does (both use canonicalUuid), and no query
 * or only `minValidity` as 1-4 digits up to 3600, which TokenQueryDto accepts with exactly these
 * values. Anything else (invalid, unknown or repeated parameters, unusual but valid spellings of
 * `minValidity`) is undefined and left to Nest's ValidationPipe, so the DTOs stay the only judges
 * of what is a 400.
 */
export function plainTokenRequest(
  params: unknown,
  query: unknown,
): { id: string; minValidity: number } | undefined {
  const id = canonicalUuid((params as { id?: unknown } | null | undefined)?.id);
  if (id === undefined) return undefined;
  let minValidity = DEFAULT_MIN_VALIDITY;
  for (const name in query as object) {
    const value = (query as Record<string, unknown>)[name];
    if (name !== 'minValidity' || typeof value !== 'string' || !SECONDS.test(value)) return undefined;
    minValidity = Number(value);
    if (minValidity > MAX_MIN_VALIDITY) return undefined;
  }
  return { id, minValidity };
}

/**
 * The ExecutionContext Nest hands guards and filters for this route (ExecutionContext's methods are
 * generic only to let callers name the type they expect; the values are these).
 */
class HttpContext {
  constructor(
    private readonly request: FastifyRequest,
    private readonly reply: FastifyReply,
    private readonly handler: Handler,
  ) {}

  getClass() {
    return TokensController;
  }
  getHandler() {
    return this.handler;
  }
  getArgs() {
    return [this.request, this.reply];
  }
  getArgByIndex(index: number) {
    return this.getArgs()[index];
  }
  getType() {
    return 'http';
  }
  switchToHttp() {
    return { getRequest: () => this.request, getResponse: () => this.reply, getNext: () => undefined };
  }
  switchToRpc(): never {
    throw new Error('the token read is an HTTP request');
  }
  switchToWs(): never {
    throw new Error('the token read is an HTTP request');
  }
}

const metadataOf = <T>(key: string, target: object): T[] =>
  (Reflect.getMetadata(key, target) as T[] | undefined) ?? [];

/**
 * What of Nest's pipeline the token route has, resolved once: its guards in Nest's order (global,
 * controller, route), its @Header values, the global exception filter. Start-up fails if the route
 * has something the fast path would otherwise skip silently (a pipe, interceptor or filter of its
 * own, or any global interceptor).
 */
function resolvePipeline(app: NestFastifyApplication) {
  for (const key of [PIPES_METADATA, INTERCEPTORS_METADATA, EXCEPTION_FILTERS_METADATA]) {
    if (metadataOf(key, TokensController).length || metadataOf(key, GET_TOKEN).length) {
      throw new Error(`the token read route has ${key}, which token-read-fast-path.ts does not apply`);
    }
  }
  const config = app.get(ApplicationConfig);
  if (config.getGlobalRequestGuards().length || config.getGlobalRequestFilters().length) {
    throw new Error('token-read-fast-path.ts cannot run request-scoped global guards or filters');
  }
  if (config.getGlobalInterceptors().length || config.getGlobalRequestInterceptors().length) {
    throw new Error('the application has global interceptors, which token-read-fast-path.ts does not apply');
  }
  const instance = <T>(enhancer: T | Type<T>): T =>
    typeof enhancer === 'function' ? app.get(enhancer, { strict: false }) : enhancer;
  const guards: CanActivate[] = [
    ...config.getGlobalGuards(),
    ...metadataOf<CanActivate | Type<CanActivate>>(GUARDS_METADATA, TokensController).map(instance),
    ...metadataOf<CanActivate | Type<CanActivate>>(GUARDS_METADATA, GET_TOKEN).map(instance),
  ];
  const filters: ExceptionFilter[] = config.getGlobalFilters();
  const [filter] = filters;
  if (!filter || filters.length !== 1 || metadataOf(FILTER_CATCH_EXCEPTIONS, filter.constructor).length) {
    throw new Error('token-read-fast-path.ts expects one global exception filter that catches everything');
  }
  const headers = metadataOf<{ name: string; value: string }>(HEADERS_METADATA, GET_TOKEN);
  return {
    guards,
    // The one place errors become responses, as Nest would call it for this route.
    renderError: filter.catch.bind(filter),
    headers,
    controller: app.get(TokensController),
  };
}

/** A guard's answer, a promise only when it had to wait (a key not seen within the cache TTL). */
function passGuards(
  guards: readonly CanActivate[],
  context: ExecutionContext,
  from = 0,
): void | Promise<void> {
  for (let index = from; index < guards.length; index++) {
    const result = guards[index]!.canActivate(context);
    if (result === true) continue;
    if (result === false) throw new ForbiddenException(FORBIDDEN_MESSAGE);
    return (isObservable(result) ? lastValueFrom(result) : result).then((allowed) => {
      if (!allowed) throw new ForbiddenException(FORBIDDEN_MESSAGE);
      return passGuards(guards, context, index + 1);
    });
  }
  return undefined;
}

const isPromise = <T>(value: T | Promise<T>): value is Promise<T> => value instanceof Promise;

/**
 * Serves `GET /v1/connections/{id}/token`, the broker's hot path, from an early Fastify onRequest
 * hook. Consumers ask before every sipgate call, and Nest's generic pipeline cost more than the read
 * itself (Nest middleware through @fastify/middie, rxjs around every global interceptor,
 * class-transformer and class-validator on path and query; see docs/benchmarks.md).
 *
 * Same steps, same order, same classes as Nest's pipeline, and TokensController stays the route's
 * declaration (path, guards, headers, OpenAPI) and its handler:
 * 1. a request whose parameters are not plainly valid (`plainTokenRequest`), and every HEAD, passes
 *    on to Nest untouched: validation and every 400 stay exactly as they were;
 * 2. the route's guards run as Nest runs them (AuthGuard: 401/403, then the rate limit: 429);
 * 3. the route's @Header values are set and TokensController.getToken answers;
 * 4. an error goes to the global exception filter (problem+json), as it would in Nest.
 * Skipped: Nest middleware (none applies to this route; its request line is RequestLog's).
 * Global interceptors (there are none: the audit trail is written by the changes themselves) and
 * route-level pipes, interceptors or filters make start-up fail rather than being skipped.
 *
 * A cached key and a cached token are answered without a single promise: each promise and its
 * microtask cost more than the lookups they wait for. The JSON of a token is encoded once and
 * sent to everyone who gets that same token (see IssuedTokens): it is most of the response, and
 * serializing it per request cost more than all the rest of a cached read (docs/benchmarks.md).
 *
 * Add `hook` to Fastify before `NestFactory.create()` registers middie, so that it runs first; it
 * lets every request through until `bind()` hands it the application.
 */
export function createTokenReadFastPath() {
  const controllerPath = Reflect.getMetadata(PATH_METADATA, TokensController) as string;
  const routePath = Reflect.getMetadata(PATH_METADATA, GET_TOKEN) as string;
  const path = `/${controllerPath}/${routePath}`;
  let pipeline: ReturnType<typeof resolvePipeline> | undefined;
  const bodies = new WeakMap<IssuedToken, Buffer>();

  const send = (reply: FastifyReply, token: IssuedToken): void => {
    let body = bodies.get(token);
    // Encoded once as well: a string would be encoded to UTF-8 again on every write.
    if (body === undefined) bodies.set(token, (body = Buffer.from(JSON.stringify(token))));
    void reply.type(JSON_CONTENT_TYPE).send(body);
  };

  const hook: onRequestHookHandler = (request, reply, done) => {
    if (!pipeline || request.method !== 'GET' || request.routeOptions.url !== path) return done();
    const plain = plainTokenRequest(request.params, request.query);
    if (!plain) return done();
    const { guards, renderError, headers, controller } = pipeline;
    const context = new HttpContext(request, reply, GET_TOKEN) as unknown as ExecutionContext;
    const fail = (error: unknown) => renderError(error, context);
    const answer = () => {
      for (const { name, value } of headers) void reply.header(name, value);
      const token = controller.getToken({ id: plain.id }, { minValidity: plain.minValidity });
      if (isPromise(token)) return token.then((issued) => send(reply, issued));
      return send(reply, token);
    };
    try {
      const guarded = passGuards(guards, context);
      const answered = guarded ? guarded.then(answer) : answer();
      // Should the filter itself fail, Fastify's error handler still answers.
      answered?.catch(fail).catch((error: unknown) => reply.send(error));
    } catch (error) {
      fail(error);
    }
  };

  return {
    hook,
    /** Once Nest has created the application: its guards and filters exist from then on. */
    bind(app: NestFastifyApplication): void {
      pipeline = resolvePipeline(app);
    },
  };
}
