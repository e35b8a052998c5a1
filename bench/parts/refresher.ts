import type { BenchContext } from '../lib/context.js';
import type { FakeSipgate } from '../lib/fake-client.js';
import { type RefreshScenarioResult, runRefreshScenario } from '../lib/refresh-scenario.js';

export const REFRESH_CONNECTIONS = Number(process.env.BENCH_REFRESH_CONNECTIONS ?? 100_000);
/**
 * Two full cycles: a connection falls due every 210-240 s, first somewhere in the first 240 s, so
 * within 480 s every connection is due, and must be refreshed, at least twice.
 */
export const REFRESH_WINDOW_SECONDS = Number(process.env.BENCH_REFRESH_SECONDS ?? 480);

/**
 * One broker replica refreshing 100,000 OAuth connections with 300 s access tokens: steady state,
 * each connection at a random point of its refresh period, as a broker that has been running for a
 * while holds them. That is the honest sustained rate (about 445 refreshes/s: the broker refreshes
 * 60-90 s before expiry, so every connection every 210-240 s), from the first second on.
 */
export function runRefresher(
  context: BenchContext,
  fake: FakeSipgate,
  log: (line: string) => void,
): Promise<RefreshScenarioResult> {
  return runRefreshScenario(
    context,
    fake,
    {
      database: 'bench_refresh',
      connections: REFRESH_CONNECTIONS,
      replicas: 1,
      schedule: { kind: 'steady' },
      windowSeconds: REFRESH_WINDOW_SECONDS,
      profile: true,
    },
    log,
  );
}
