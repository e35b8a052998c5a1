import { describe, expect, it } from '@jest/globals';
import { Histogram, Registry } from 'prom-client';
import { LeanHistogram } from './lean-histogram.js';

const BUCKETS = [0.001, 0.01, 0.1, 1];
const OBSERVATIONS: [string, number][] = [
  ['200', 0.0004],
  ['200', 0.001], // on a bound: counted in that bucket (le)
  ['200', 0.05],
  ['503', 2.5], // above every bound: only +Inf
  ['200', 0.0004],
  ['401', 0],
];

describe('LeanHistogram', () => {
  it('renders exactly what a prom-client Histogram renders for the same observations', async () => {
    const theirs = new Registry();
    const reference = new Histogram({
      name: 'x_duration_seconds',
      help: 'x',
      labelNames: ['status'],
      buckets: BUCKETS,
      registers: [theirs],
    });
    const ours = new Registry();
    const lean = new LeanHistogram('x_duration_seconds', 'x', 'status', BUCKETS, ours);
    for (const [status, value] of OBSERVATIONS) {
      reference.observe({ status }, value);
      lean.recorder(status)(value);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.metrics()).toContain('x_duration_seconds_bucket{le="0.001",status="200"} 3');
  });

  it('shares one series between recorders of the same label value, and zeroes it on reset', async () => {
    const registry = new Registry();
    const lean = new LeanHistogram('y_seconds', 'y', 'status', BUCKETS, registry);
    const record = lean.recorder('200');
    record(0.5);
    lean.recorder('200')(0.5);
    expect(await registry.metrics()).toContain('y_seconds_count{status="200"} 2');
    registry.resetMetrics();
    expect(await registry.metrics()).toContain('y_seconds_count{status="200"} 0');
    record(0.5); // a recorder from before the reset still counts
    expect(await registry.metrics()).toContain('y_seconds_count{status="200"} 1');
  });
});
