import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * A registry per application instance, never prom-client's global one: tests run several brokers
 * in one process, and each must report only its own numbers (and not fail on duplicate names).
 */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}
