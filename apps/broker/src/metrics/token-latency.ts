import { Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { onTokenReadResponse } from '../tokens/token-route.js';
import { LeanHistogram } from './lean-histogram.js';

/** Cache hits take well under a millisecond; on-demand refreshes wait for sipgate. */
export const TOKEN_LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/**
 * `broker_token_request_duration_seconds{status}`: the whole token request as the caller sees it,
 * authentication, rate limit and serialization included, so it is measured by a Fastify hook
 * rather than around the handler. The status code is the only label (a bounded set).
 */
@Injectable()
export class TokenLatency {
  private readonly duration: LeanHistogram;
  private readonly byStatus = new Map<number, (seconds: number) => void>();

  constructor(registry: Registry, adapterHost: HttpAdapterHost) {
    this.duration = new LeanHistogram(
      'broker_token_request_duration_seconds',
      'Duration of GET /v1/connections/{id}/token requests on this instance, by HTTP status',
      'status',
      TOKEN_LATENCY_BUCKETS,
      registry,
    );
    const fastify = adapterHost.httpAdapter.getInstance<FastifyInstance>();
    onTokenReadResponse(fastify, (_request, reply, done) => {
      this.observe(reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
  }

  private observe(status: number, seconds: number): void {
    let record = this.byStatus.get(status);
    if (!record) this.byStatus.set(status, (record = this.duration.recorder(String(status))));
    record(seconds);
  }
}
