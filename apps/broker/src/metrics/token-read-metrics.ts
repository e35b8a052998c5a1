import { Injectable } from '@nestjs/common';
import { Counter, Registry } from 'prom-client';

/** How a token read ended; a closed set, so the label stays bounded. */
export const TOKEN_READ_OUTCOMES = [
  'cache_hit',
  'db',
  'refreshed',
  'stale_served',
  'reauth_required',
  'unavailable',
  'not_found',
  'error',
] as const;
export type TokenReadOutcome = (typeof TOKEN_READ_OUTCOMES)[number];

/**
 * `broker_token_reads_total{outcome}`. Counting on the token hot path is one addition to a plain
 * field; prom-client's counter takes the sums when `/metrics` is scraped (its `collect` hook),
 * because its own `inc` re-validates and re-hashes the labels on every call. Every outcome is
 * exported from 0 on, so rates work from the first scrape.
 */
@Injectable()
export class TokenReadMetrics {
  private readonly pending = Object.fromEntries(TOKEN_READ_OUTCOMES.map((outcome) => [outcome, 0])) as Record<
    TokenReadOutcome,
    number
  >;

  constructor(registry: Registry) {
    const { pending } = this;
    const reads = new Counter({
      name: 'broker_token_reads_total',
      help: 'Token reads on this instance by outcome: served from cache, database or an on-demand refresh, or refused',
      labelNames: ['outcome'] as const,
      registers: [registry],
      collect() {
        for (const outcome of TOKEN_READ_OUTCOMES) {
          this.inc({ outcome }, pending[outcome]);
          pending[outcome] = 0;
        }
      },
    });
    for (const outcome of TOKEN_READ_OUTCOMES) reads.inc({ outcome }, 0);
  }

  count(outcome: TokenReadOutcome): void {
    this.pending[outcome] += 1;
  }
}
