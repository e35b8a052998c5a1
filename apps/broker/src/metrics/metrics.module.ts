import { Module } from '@nestjs/common';
import { Registry } from 'prom-client';
import { ChangeFeedModule } from '../change-feed/change-feed.module.js';
import { ConnectionsModule } from '../connections/connections.module.js';
import { ConnectionCountsRepository } from './connection-counts.repository.js';
import { createMetricsRegistry } from './metrics-registry.js';
import { MetricsController } from './metrics.controller.js';
import { RefreshMetrics } from './refresh-metrics.js';
import { StateGauges } from './state-gauges.js';
import { TokenLatency } from './token-latency.js';
import { TokenReadMetrics } from './token-read-metrics.js';

/**
 * `GET /metrics` and the instruments other modules report to (TokenReadMetrics, RefreshMetrics).
 * Import it where those are injected; it is one instance, and one registry, per application.
 */
@Module({
  imports: [ChangeFeedModule, ConnectionsModule],
  controllers: [MetricsController],
  providers: [
    { provide: Registry, useFactory: createMetricsRegistry },
    ConnectionCountsRepository,
    RefreshMetrics,
    StateGauges,
    TokenLatency,
    TokenReadMetrics,
  ],
  exports: [RefreshMetrics, TokenReadMetrics],
})
export class MetricsModule {}
