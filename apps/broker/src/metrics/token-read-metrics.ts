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
 * `broker_token_reads_total{outcome}`. Children are bound once per outcome, so counting on the
 * token hot path is one map lookup and an addition; every outcome is exported from 0 on, so rates
 * work from the first scrape.
 */
@Injectable()
export class TokenReadMetrics {
  private readonly byOutcome: Readonly<Record<TokenReadOutcome, Counter.Internal>>;

  constructor(registry: Registry) {
    const reads = new Counter({
      name: 'broker_token_reads_total',
      help: 'Token reads on this instance by outcome: served from cache, database or an on-demand refresh, or refused',
      labelNames: ['outcome'] as const,
      registers: [registry],
    });
    const children = {} as Record<TokenReadOutcome, Counter.Internal>;
    for (const outcome of TOKEN_READ_OUTCOMES) {
      reads.inc({ outcome }, 0);
      children[outcome] = reads.labels({ outcome });
    }
    this.byOutcome = children;
  }

  count(outcome: TokenReadOutcome): void {
    this.byOutcome[outcome].inc();
  }
}
