import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { Histogram, Registry } from 'prom-client';

/** The token route as Fastify knows it (TokensController). */
export const TOKEN_ROUTE = '/v1/connections/:id/token';

/**
 * `broker_token_request_duration_seconds{status}`: the whole token request as the caller sees it,
 * authentication, rate limit and serialization included, so it is measured by a Fastify hook
 * rather than around the handler. The status code is the only label (a bounded set).
 */
@Injectable()
export class TokenLatency implements OnModuleInit {
  private readonly duration: Histogram<'status'>;
  private readonly byStatus = new Map<number, Histogram.Internal<'status'>>();

  constructor(
    registry: Registry,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    this.duration = new Histogram({
      name: 'broker_token_request_duration_seconds',
      help: 'Duration of GET /v1/connections/{id}/token requests on this instance, by HTTP status',
      labelNames: ['status'] as const,
      // Cache hits take well under a millisecond; on-demand refreshes wait for sipgate.
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
  }

  /** Routes are registered by now, but Fastify is not ready yet, so a hook still applies to them. */
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onResponse', (request, reply, done) => {
      if (request.routeOptions.url === TOKEN_ROUTE) this.observe(reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
  }

  private observe(status: number, seconds: number): void {
    let child = this.byStatus.get(status);
    if (!child) {
      child = this.duration.labels({ status: String(status) });
      this.byStatus.set(status, child);
    }
    child.observe(seconds);
  }
}
