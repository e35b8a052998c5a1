import { setTimeout as sleep } from 'node:timers/promises';
import { startBroker } from '../lib/broker.js';
import { type BenchContext, brokerEnv, brokerOptions } from '../lib/context.js';
import { rssMiB } from '../lib/proc.js';
import { median } from '../lib/stats.js';

const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 5);
const IDLE_SECONDS = 3;

export interface StartupResult {
  runs: { readyMs: number; rssReadyMiB: number; rssIdleMiB: number }[];
  medianReadyMs: number;
  minReadyMs: number;
  maxReadyMs: number;
  medianRssIdleMiB: number;
}

/**
 * Process start to the first 200 of /health/ready, with the database already there and migrated
 * (an external DATABASE_URL, as in production: no embedded Postgres, no pending migrations), and the
 * resident memory once ready and after a few idle seconds. Each run is a fresh process.
 */
export async function runStartup(context: BenchContext, databaseUrl: string): Promise<StartupResult> {
  const runs: StartupResult['runs'] = [];
  for (let run = 0; run < RUNS; run++) {
    const broker = await startBroker(
      brokerOptions(context, `startup-${run + 1}`, brokerEnv(context, databaseUrl)),
    );
    try {
      const rssReadyMiB = rssMiB(broker.pid) ?? 0;
      await sleep(IDLE_SECONDS * 1000);
      runs.push({ readyMs: broker.readyMs, rssReadyMiB, rssIdleMiB: rssMiB(broker.pid) ?? 0 });
    } finally {
      await broker.stop();
    }
  }
  const ready = runs.map((r) => r.readyMs);
  return {
    runs,
    medianReadyMs: median(ready),
    minReadyMs: Math.min(...ready),
    maxReadyMs: Math.max(...ready),
    medianRssIdleMiB: median(runs.map((r) => r.rssIdleMiB)),
  };
}
