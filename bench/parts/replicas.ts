import type { BenchContext } from '../lib/context.js';
import type { FakeSipgate } from '../lib/fake-client.js';
import { type RefreshScenarioResult, runRefreshScenario } from '../lib/refresh-scenario.js';

export const REPLICA_CONNECTIONS = 10_000;
export const REPLICAS = 3;
export const REPLICA_SPREAD_SECONDS = 60;

/**
 * Three replicas on one database, 10,000 connections all due once within 60 s (about 167
 * refreshes/s): each refresh must be done by exactly one replica, and the work shared. The fake
 * token endpoint tells the replicas apart by their client_id.
 */
export function runReplicas(
  context: BenchContext,
  fake: FakeSipgate,
  log: (line: string) => void,
): Promise<RefreshScenarioResult> {
  return runRefreshScenario(
    context,
    fake,
    {
      database: 'bench_replicas',
      connections: REPLICA_CONNECTIONS,
      replicas: REPLICAS,
      schedule: { kind: 'spread', seconds: REPLICA_SPREAD_SECONDS },
      windowSeconds: REPLICA_SPREAD_SECONDS + 15,
      profile: false,
    },
    log,
  );
}
