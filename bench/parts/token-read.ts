import { randomUUID } from 'node:crypto';
import autocannon, { type Result } from 'autocannon';
import pg from 'pg';
import { startBroker } from '../lib/broker.js';
import { type Helper, startHelper } from '../lib/child.js';
import { type BenchContext, brokerEnv, brokerOptions } from '../lib/context.js';
import { accessTokenFor, refreshTokenFor } from '../lib/fake-tokens.js';
import { cpuSeconds, LoadMeter, ProcessSampler } from '../lib/proc.js';
import { insertConnections } from '../lib/seed.js';
import { median } from '../lib/stats.js';

export const CONNECTIONS = 50;
const ROUNDS = Number(process.env.BENCH_READ_ROUNDS ?? 3);
const ROUND_SECONDS = Number(process.env.BENCH_READ_SECONDS ?? 10);
const WARMUP_SECONDS = 3;
/**
 * One key at full speed would hit the per-key rate limit (default 100/s, a policy against runaway
 * consumers, not a capacity): it is set as high as it goes, so the limiter still runs on every request.
 */
const READ_ENV = {
  REFRESH_SCHEDULER: 'off',
  TOKEN_RATE_LIMIT_PER_SECOND: '1000000',
  TOKEN_RATE_LIMIT_BURST: '1000000',
};

export interface LoadRound {
  target: 'baseline' | 'broker';
  requestsPerSecond: number;
  latencyP50: number;
  latencyP99: number;
  latencyMax: number;
  total: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  /** CPU time the server process spent per answered request (user + system), in microseconds. */
  cpuMicrosPerRequest: number;
  /** Cores used meanwhile by processes outside this benchmark (a shared machine). */
  otherCores: number;
}

export interface TargetSummary {
  requestsPerSecond: number;
  latencyP50: number;
  latencyP99: number;
  cpuMicrosPerRequest: number;
  otherCores: number;
}

export interface TokenReadResult {
  /** The migrated database with the one connection, reused for the start-up runs. */
  databaseUrl: string;
  bodyBytes: number;
  roundSeconds: number;
  rounds: LoadRound[];
  baseline: TargetSummary;
  broker: TargetSummary;
  brokerCpuCores: number;
  brokerRssMiB: number;
  ratio: number;
  p99Factor: number;
  failures: number;
  met: { throughput: boolean; latency: boolean; errors: boolean };
}

const load = (url: string, seconds: number, headers: Record<string, string> = {}) =>
  autocannon({ url, connections: CONNECTIONS, duration: seconds, headers });

/** One load round, with the CPU time the measured server spent and what else ran on the machine. */
async function measured(
  target: LoadRound['target'],
  servers: { measured: number; idle: number; postmaster: number },
  url: string,
  seconds: number,
  headers: Record<string, string> = {},
): Promise<LoadRound> {
  const meter = new LoadMeter([servers.measured, servers.idle], servers.postmaster);
  const before = cpuSeconds(servers.measured) ?? 0;
  const result: Result = await load(url, seconds, headers);
  const cpu = (cpuSeconds(servers.measured) ?? before) - before;
  return {
    target,
    requestsPerSecond: result.requests.average,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
    latencyMax: result.latency.max,
    total: result.requests.total,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    cpuMicrosPerRequest: (cpu * 1e6) / Math.max(1, result.requests.total),
    otherCores: meter.stop().otherCores,
  };
}

function summaryOf(rounds: LoadRound[], target: LoadRound['target']): TargetSummary {
  const mine = rounds.filter((round) => round.target === target);
  const of = (pick: (round: LoadRound) => number) => median(mine.map(pick));
  return {
    requestsPerSecond: of((r) => r.requestsPerSecond),
    latencyP50: of((r) => r.latencyP50),
    latencyP99: of((r) => r.latencyP99),
    cpuMicrosPerRequest: of((r) => r.cpuMicrosPerRequest),
    otherCores: of((r) => r.otherCores),
  };
}

/**
 * Token reads: one OAuth connection with a long-lived access token (so every read is a cache hit,
 * the steady state of a consumer asking before each sipgate call), a `tokens:read` key created
 * through the API, 50 concurrent clients. The baseline, a bare Fastify route answering the very
 * body the broker sends, runs alternately with the broker in the same run.
 */
export async function runTokenRead(context: BenchContext): Promise<TokenReadResult> {
  const databaseUrl = await context.postgres.createDatabase('bench_read');
  const db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const id = randomUUID();
  const now = Date.now();
  const accessExpiresAt = new Date(now + 2 * 3600_000);
  await insertConnections(db, context.cipher, [
    {
      id,
      sub: 'w0',
      type: 'oauth',
      secret: accessTokenFor(0, 0),
      accessExpiresAt,
      refreshToken: refreshTokenFor(0, 0, accessExpiresAt.getTime()),
      refreshExpiresAt: new Date(now + 30 * 86_400_000),
      refreshDueAt: new Date(accessExpiresAt.getTime() - 60_000),
    },
  ]);
  await db.end();

  const broker = await startBroker(
    brokerOptions(context, 'token-read', brokerEnv(context, databaseUrl, READ_ENV), true),
  );
  let baseline: Helper<{ url: string }> | undefined;
  try {
    const created = await fetch(`${broker.url}/v1/api-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${context.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench reader', scopes: ['tokens:read'] }),
    });
    if (created.status !== 201) throw new Error(`creating the API key answered ${created.status}`);
    const { key } = (await created.json()) as { key: string };
    const headers = { authorization: `Bearer ${key}` };
    const tokenUrl = `${broker.url}/v1/connections/${id}/token`;
    const first = await fetch(tokenUrl, { headers });
    const body = await first.text();
    if (first.status !== 200) throw new Error(`the first token read answered ${first.status}: ${body}`);

    baseline = await startHelper<{ url: string }>('baseline-server.js', { BASELINE_BODY: body });
    const baselineUrl = `${baseline.hello.url}/v1/connections/${id}/token`;
    const baselinePid = baseline.child.pid!;
    const postmaster = context.postgres.postmasterPid;

    await load(baselineUrl, WARMUP_SECONDS);
    await load(tokenUrl, WARMUP_SECONDS, headers);
    const rounds: LoadRound[] = [];
    let brokerCpu = 0;
    let brokerRss = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const asBaseline = { measured: baselinePid, idle: broker.pid, postmaster };
      rounds.push(await measured('baseline', asBaseline, baselineUrl, ROUND_SECONDS));
      const sampler = new ProcessSampler(broker.pid);
      const asBroker = { measured: broker.pid, idle: baselinePid, postmaster };
      rounds.push(await measured('broker', asBroker, tokenUrl, ROUND_SECONDS, headers));
      const usage = sampler.stop();
      brokerCpu += usage.cpuCores / ROUNDS;
      brokerRss = Math.max(brokerRss, usage.rssMax);
    }
    const base = summaryOf(rounds, 'baseline');
    const mine = summaryOf(rounds, 'broker');
    const failures = rounds
      .filter((round) => round.target === 'broker')
      .reduce((sum, round) => sum + round.errors + round.timeouts + round.non2xx, 0);
    const ratio = mine.requestsPerSecond / base.requestsPerSecond;
    const p99Factor = mine.latencyP99 / base.latencyP99;
    return {
      databaseUrl,
      bodyBytes: Buffer.byteLength(body),
      roundSeconds: ROUND_SECONDS,
      rounds,
      baseline: base,
      broker: mine,
      brokerCpuCores: brokerCpu,
      brokerRssMiB: brokerRss,
      ratio,
      p99Factor,
      failures,
      met: { throughput: ratio >= 0.6, latency: p99Factor <= 2, errors: failures === 0 },
    };
  } finally {
    await baseline?.stop();
    await broker.stop();
  }
}
