/**
 * `npm run bench`: every figure of issue 5 in one run, on loopback, written to docs/benchmarks.md.
 * The broker runs as built (dist/, `npm run build` first), as separate processes against an
 * embedded Postgres this script starts in a temporary directory, exactly as with an external
 * DATABASE_URL in production.
 *
 * Environment (all optional): BENCH_REFRESH_SECONDS (480: two full refresh cycles of every
 * connection), BENCH_REFRESH_CONNECTIONS (100000), BENCH_READ_ROUNDS (3), BENCH_READ_SECONDS
 * (10), BENCH_STARTUP_RUNS (5), BENCH_PROFILE=1 (V8 CPU profiles of the token-read and refresher
 * brokers, summarised in the report), BENCH_SIPGATE_LATENCY_MS (0: how long the fake token endpoint
 * takes to answer), BENCH_REFRESH_CONCURRENCY (the brokers' REFRESH_CONCURRENCY, default theirs),
 * BENCH_OUT (docs/benchmarks.md).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHelper } from './lib/child.js';
import { type BenchContext, createSecrets } from './lib/context.js';
import { FakeSipgate } from './lib/fake-client.js';
import { startBenchPostgres } from './lib/postgres.js';
import { describeMachine, writeReport } from './lib/report.js';
import { runRefresher } from './parts/refresher.js';
import { runReplicas } from './parts/replicas.js';
import { runStartup } from './parts/startup.js';
import { runTokenRead } from './parts/token-read.js';

const log = (line: string) => process.stderr.write(`${line}\n`);
const startedAt = Date.now();
const machine = describeMachine();
const workDir = await mkdtemp(join(tmpdir(), 'broker-bench-'));
const profileDir = process.env.BENCH_PROFILE ? join(workDir, 'profiles') : undefined;
log(`bench: working in ${workDir}`);

const postgres = await startBenchPostgres();
const fakeProcess = await startHelper<{ port: number }>('fake-sipgate.js', {
  FAKE_LATENCY_MS: process.env.BENCH_SIPGATE_LATENCY_MS ?? '0',
});
const fake = new FakeSipgate(`http://127.0.0.1:${fakeProcess.hello.port}`, fakeProcess.child.pid!);
const context: BenchContext = { postgres, workDir, ...createSecrets(), fakeSipgateUrl: fake.url, profileDir };
let failed = false;
try {
  log('1/4 token read: baseline and broker, alternating rounds');
  const tokenRead = await runTokenRead(context);
  log(
    `    broker ${Math.round(tokenRead.broker.requestsPerSecond)} req/s, baseline ` +
      `${Math.round(tokenRead.baseline.requestsPerSecond)} req/s (${tokenRead.ratio.toFixed(2)}x)`,
  );
  log('2/4 start-up against the migrated database');
  const startup = await runStartup(context, tokenRead.databaseUrl);
  log(`    median ${Math.round(startup.medianReadyMs)} ms to ready`);
  log('3/4 three replicas, 10,000 connections');
  const replicas = await runReplicas(context, fake, log);
  log('4/4 one replica, 100,000 connections');
  const refresher = await runRefresher(context, fake, log);
  const file = await writeReport({
    machine: { ...machine, finishedLoad: describeMachine().load },
    durationSeconds: (Date.now() - startedAt) / 1000,
    tokenRead,
    startup,
    replicas,
    refresher,
    profileDir,
  });
  log(`bench: wrote ${file} in ${Math.round((Date.now() - startedAt) / 1000)} s`);
} catch (error) {
  failed = true;
  log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  log(`logs are kept in ${workDir}`);
} finally {
  await fakeProcess.stop();
  await postgres.stop();
  if (!failed && !profileDir) await rm(workDir, { recursive: true, force: true });
  else if (profileDir) log(`profiles are in ${profileDir}`);
}
process.exit(failed ? 1 : 0);
