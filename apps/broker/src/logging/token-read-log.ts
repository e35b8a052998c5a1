import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { PinoLogger } from 'nestjs-pino';

/** The token read route, as Nest's middleware `exclude` and Fastify's `routeOptions.url` spell it. */
export const TOKEN_READ_PATH = 'v1/connections/:id/token';
const TOKEN_READ_ROUTE = `/${TOKEN_READ_PATH}`;

/**
 * The request log line of token reads, written from a Fastify hook rather than the request
 * middleware (pino-http in Nest middleware, bound to the request with AsyncLocalStorage), which
 * cost more than the whole rest of a cached read (docs/benchmarks.md).
 *
 * Deliberately, a successful read is logged at `debug`, not `info`: consumers read a token before
 * every sipgate call, thousands a second, and a line each would be most of the log volume while
 * saying nothing `broker_token_reads_total` and `broker_token_request_duration_seconds` do not.
 * Refused and failed reads are logged like every other request: `info` for 4xx, `error` for 5xx,
 * in the same shape as the other request lines.
 */
@Injectable()
export class TokenReadLog implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onResponse', (request, reply, done) => {
      if (request.routeOptions.url === TOKEN_READ_ROUTE) {
        const status = reply.statusCode;
        const level = status >= 500 ? 'error' : status >= 400 ? 'info' : 'debug';
        // The root logger has the request serializers and redaction of every other request line.
        PinoLogger.root[level](
          {
            req: { id: request.id, method: request.method, url: request.url },
            res: { statusCode: status },
            responseTime: Math.round(reply.elapsedTime),
          },
          'request completed',
        );
      }
      done();
    });
  }
}
