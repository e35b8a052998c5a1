import type { BenchContext } from '../lib/context.js';
import type { FakeSipgate } from '../lib/fake-client.js';
import { type RefreshScenarioResult, runRefreshScenario } from '../lib/refresh-scenario.js';

export const REFRESH_CONNECTIONS = Number(process.env.BENCH_REFRESH_CONNECTIONS ?? 100_000);
/** One full cycle (every connection refreshed once: at most 240 s) and half of the second. */
export const REFRESH_WINDOW_SECONDS = Number(process.env.BENCH_REFRESH_SECONDS ?? 360);

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
