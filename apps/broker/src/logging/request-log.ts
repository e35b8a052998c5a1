import { Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { PinoLogger } from 'nestjs-pino';
import { TOKEN_READ_ROUTE } from '../tokens/token-route.js';

/**
 * One JSON line per request, `request completed` with the request id every response carries in
 * X-Request-Id, written from a Fastify onResponse hook. Not pino-http as Nest middleware: that binds
 * a logger to each request with AsyncLocalStorage, and on Node 20 an AsyncLocalStorage in use puts
 * async hooks on every callback and promise of the process. On the token read that cost 7 µs of
 * 38 (docs/benchmarks.md), more than authentication, rate limit and cache lookup together. What
 * is lost: lines that services write while serving a request do not carry its id; the ones that
 * matter say what they are about (connection id, and the request id of an unhandled error).
 *
 * Deliberately, a successful token read is logged at `debug`, not `info`: consumers read a token
 * before every sipgate call, thousands a second, and a line each would be most of the log volume
 * while saying nothing `broker_token_reads_total` and `broker_token_request_duration_seconds` do
 * not. Every other request, and every refused or failed token read, is logged at `info` (up to
 * 4xx) or `error` (5xx).
 */
export function requestLogLevel(status: number, route: string | undefined): 'debug' | 'info' | 'error' {
  if (status >= 500) return 'error';
  return status < 400 && route === TOKEN_READ_ROUTE ? 'debug' : 'info';
}

@Injectable()
export class RequestLog {
  constructor(adapterHost: HttpAdapterHost) {
    const fastify = adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onResponse', (request, reply, done) => {
      const level = requestLogLevel(reply.statusCode, request.routeOptions.url);
      // The root logger's serializers drop query values, its redaction any secret-named field.
      const logger = PinoLogger.root;
      if (logger.isLevelEnabled(level)) {
        logger[level](
          {
            req: { id: request.id, method: request.method, url: request.url },
            res: reply.raw,
            responseTime: Math.round(reply.elapsedTime),
          },
          'request completed',
        );
      }
      done();
    });
  }
}
