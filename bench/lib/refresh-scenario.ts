import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { claimDueQuery } from '../../apps/broker/src/refresh/claim-due.query.js';
import { type BrokerHandle, startBroker } from './broker.js';
import { type BenchContext, brokerEnv, brokerOptions } from './context.js';
import type { FakeSipgate, FakeStats } from './fake-client.js';
import { accessTokenFor, parseRefreshToken, refreshTokenFor } from './fake-tokens.js';
import { counterRates, databaseCounters } from './postgres.js';
import { cpuSeconds, LoadMeter, machineTicks, postgresCpuSeconds, ProcessSampler } from './proc.js';
import { insertConnections, type SeedConnection } from './seed.js';
import { percentile } from './stats.js';

/** What the fake token endpoint and the broker's defaults make of every refresh (see the report). */
export const LIFETIME_SECONDS = 300;
export const REFRESH_LIFETIME_SECONDS = 1800;
const MARGIN_SECONDS = 60; // REFRESH_MARGIN_SECONDS default
const MAX_JITTER_SECONDS = Math.min(30, LIFETIME_SECONDS * 0.1); // refresh-schedule.ts
/** The earliest a refresh schedules the next one: the lifetime minus margin and the largest jitter. */
const MIN_PERIOD_SECONDS = LIFETIME_SECONDS - MARGIN_SECONDS - MAX_JITTER_SECONDS;
const POLL_MS = 10_000;
const TIMELINE_BUCKET_MS = 30_000;

export interface RefreshScenario {
  database: string;
  connections: number;
  replicas: number;
  /**
   * `steady`: each connection at a random point of its refresh period, as a broker that has been
   * running for a while holds them (the sustained rate from the first second on); `spread`: every
   * connection due once, evenly within `seconds`.
   */
  schedule: { kind: 'steady' } | { kind: 'spread'; seconds: number };
  windowSeconds: number;
  profile: boolean;
}

export interface ProcessUsage {
  cpuCores: number;
  cpuPeak: number;
  rssIdleMiB: number;
  rssMaxMiB: number;
  rssEndMiB: number;
  readyMs: number;
}

export interface TimelineRow {
  fromSeconds: number;
  refreshesPerSecond: number;
  lagP99: number;
  brokerCpuCores: number;
  postgresCpuCores: number;
}

export interface RefreshScenarioResult {
  scenario: RefreshScenario;
  seedSeconds: number;
  /** How long before the first due time the brokers were ready (negative: they started late). */
  slackSeconds: number;
  refreshes: number;
  refreshesPerSecond: number;
  expectedPerSecond: number;
  perReplica: { client: string; refreshes: number }[];
  lagSeconds: { p50: number; p90: number; p99: number; max: number };
  lagUnmatched: number;
  minHeadroomSeconds: number;
  refreshedAfterExpiry: number;
  connectionsRefreshed: number;
  connectionsRefreshedTwice: number;
  dueInWindowNotRefreshed: number;
  doubleRefreshes: number;
  /**
   * Rows whose stored refresh token is not the one the token endpoint issued last, after the
   * brokers stopped: a rotated token that was lost, or a spent one the next refresh would reuse.
   */
  staleRows: number;
  reuses: number;
  unknownTokens: number;
  expiredAtEnd: number;
  reauthRequired: number;
  withLastError: number;
  brokers: ProcessUsage[];
  postgres: {
    cpuCores: number;
    rates: ReturnType<typeof counterRates>;
    hotUpdateShare: number;
    autovacuums: number;
    deadTuplesAtEnd: number;
    tableMiB: number;
  };
  fakeCpuCores: number;
  machineBusy: number;
  /** Cores used during the window by processes outside this benchmark (a shared machine). */
  otherCores: number;
  timeline: TimelineRow[];
  claimPlan: string[];
}

function* seedRows(scenario: RefreshScenario, t0: number, ids: string[], dues: Float64Array) {
  for (let index = 0; index < scenario.connections; index++) {
    const jitter = Math.random() * MAX_JITTER_SECONDS;
    const period = LIFETIME_SECONDS - MARGIN_SECONDS - jitter;
    const due =
      t0 +
      1000 *
        (scenario.schedule.kind === 'steady'
          ? Math.random() * period
          : Math.random() * scenario.schedule.seconds);
    const expiresAt = due + 1000 * (MARGIN_SECONDS + jitter);
    const id = randomUUID();
    ids[index] = id;
    dues[index] = due;
    yield {
      id,
      sub: `w${index}`,
      type: 'oauth',
      secret: accessTokenFor(index, 0),
      accessExpiresAt: new Date(expiresAt),
      refreshToken: refreshTokenFor(index, 0, expiresAt),
      refreshExpiresAt: new Date(expiresAt - 1000 * (LIFETIME_SECONDS - REFRESH_LIFETIME_SECONDS)),
      refreshDueAt: new Date(due),
    } satisfies SeedConnection;
  }
}

/** The claim query of RefreshRepository.claimDue, as EXPLAIN ANALYZE sees it (rolled back). */
async function explainClaim(db: pg.Pool, leaseSeconds: number, limit: number): Promise<string[]> {
  // As a replica that has long had the database and holds no refresh sees it.
  const claim = claimDueQuery(limit, leaseSeconds, {
    takeoverUntil: new Date(Date.now() + 60_000),
    held: [],
  });
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${claim.text}`,
      claim.values,
    );
    return rows.map((row) => row['QUERY PLAN']);
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
}

async function tableStats(db: pg.Pool) {
  await db.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await db.query<Record<string, string>>(
    `SELECT n_tup_upd, n_tup_hot_upd, n_dead_tup, autovacuum_count,
            pg_total_relation_size('connections') AS bytes
       FROM pg_stat_user_tables WHERE relname = 'connections'`,
  );
  const row = rows[0]!;
  return {
    updates: Number(row.n_tup_upd),
    hotUpdates: Number(row.n_tup_hot_upd),
    deadTuples: Number(row.n_dead_tup),
    autovacuums: Number(row.autovacuum_count),
    bytes: Number(row.bytes),
  };
}

/**
 * Seeds connections whose refresh tokens the fake token endpoint will accept, starts the brokers
 * with their schedulers on, and follows every refresh for `windowSeconds`: when it happened, how
 * long after it was due, how much life its access token had left, which replica did it.
 *
 * Due times after the first are read from the database every 10 s: a refresh schedules the next
 * one at least MIN_PERIOD_SECONDS ahead, so no due time is missed.
 */
export async function runRefreshScenario(
  context: BenchContext,
  fake: FakeSipgate,
  scenario: RefreshScenario,
  log: (line: string) => void,
): Promise<RefreshScenarioResult> {
  const databaseUrl = await context.postgres.createDatabase(scenario.database);
  const db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const brokers: BrokerHandle[] = [];
  try {
    await fake.reset(scenario.connections);
    const n = scenario.connections;
    // Seeding takes about 0.1 ms per connection and the brokers start in 2-4 s: the first due time
    // leaves room for both (a late start would show as lag, and as negative slack in the report).
    const seedStart = Date.now();
    const t0 = seedStart + 8_000 + n * 0.15;
    const ids: string[] = new Array<string>(n);
    const seedDues = new Float64Array(n);
    await insertConnections(db, context.cipher, seedRows(scenario, t0, ids, seedDues));
    await db.query('VACUUM ANALYZE connections');
    const seedSeconds = (Date.now() - seedStart) / 1000;
    log(`  seeded ${n} connections in ${seedSeconds.toFixed(1)} s`);
    const indexOf = new Map(ids.map((id, index) => [id, index]));

    const names = Array.from({ length: scenario.replicas }, (_, replica) =>
      scenario.replicas === 1 ? 'refresh' : `replica-${replica + 1}`,
    );
    const started = await Promise.allSettled(
      names.map((name) =>
        startBroker(
          brokerOptions(
            context,
            name,
            brokerEnv(context, databaseUrl, { SIPGATE_CLIENT_ID: `bench-${name}` }),
            scenario.profile,
          ),
        ),
      ),
    );
    for (const outcome of started) if (outcome.status === 'fulfilled') brokers.push(outcome.value);
    const failed = started.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    const readyMs = brokers.map((broker) => broker.readyMs);
    const slackSeconds = (t0 - Date.now()) / 1000;
    log(`  ${scenario.replicas} broker(s) ready ${slackSeconds.toFixed(1)} s before the first due time`);
    if (slackSeconds > 0) await sleep(slackSeconds * 1000 - 200);
    const rssIdle = brokers.map((broker) => rssOf(broker.pid));

    // The window.
    const samplers = brokers.map((broker) => new ProcessSampler(broker.pid));
    const counters0 = await databaseCounters(db);
    const table0 = await tableStats(db);
    const postgresCpu0 = postgresCpuSeconds(context.postgres.postmasterPid);
    const fakePid = fake.pid;
    const fakeCpu0 = cpuSeconds(fakePid) ?? 0;
    const machine0 = machineTicks();
    const meter = new LoadMeter(
      [...brokers.map((broker) => broker.pid), fakePid],
      context.postgres.postmasterPid,
    );
    const windowStart = Date.now();
    const windowEnd = t0 + scenario.windowSeconds * 1000;
    const observedDues = new Map<number, number[]>();
    const postgresCpuSamples: { at: number; cpu: number }[] = [{ at: windowStart, cpu: postgresCpu0 }];
    let since = windowStart - 5_000;
    while (Date.now() < windowEnd) {
      await sleep(Math.min(POLL_MS, Math.max(0, windowEnd - Date.now())));
      const pollStart = Date.now();
      const { rows } = await db.query<{ id: string; due: number }>(
        `SELECT id, (extract(epoch FROM refresh_due_at) * 1000)::float8 AS due
           FROM connections WHERE refresh_due_at >= $1`,
        [new Date(since + MIN_PERIOD_SECONDS * 1000)],
      );
      for (const { id, due } of rows) {
        const index = indexOf.get(id);
        if (index === undefined) continue;
        const list = observedDues.get(index) ?? [];
        if (!list.includes(due)) list.push(due);
        observedDues.set(index, list);
      }
      since = pollStart - 5_000;
      postgresCpuSamples.push({ at: Date.now(), cpu: postgresCpuSeconds(context.postgres.postmasterPid) });
      const { refreshes } = await fake.counters();
      log(
        `  ${Math.round((Date.now() - t0) / 1000)} s: ${refreshes} refreshes, broker CPU ` +
          samplers.map((s) => (s.cpu.slice(-10).reduce((a, b) => a + b, 0) / 10).toFixed(2)).join('/'),
      );
    }
    const windowSeconds = (Date.now() - windowStart) / 1000;
    const usages = samplers.map((sampler) => sampler.stop());
    const counters1 = await databaseCounters(db);
    const table1 = await tableStats(db);
    const postgresCpu = (postgresCpuSeconds(context.postgres.postmasterPid) - postgresCpu0) / windowSeconds;
    const fakeCpu = ((cpuSeconds(fakePid) ?? fakeCpu0) - fakeCpu0) / windowSeconds;
    const machine1 = machineTicks();
    const load = meter.stop();
    const stats = await fake.stats();

    for (const broker of brokers.splice(0)) await broker.stop();
    // Rows fall due while nobody claims them: the claim then has work, as in the middle of a cycle.
    await sleep(2_000);
    const claimPlan = await explainClaim(db, 15, 16);
    const { rows: endRows } = await db.query<Record<string, string>>(
      `SELECT count(*) FILTER (WHERE status = 'active' AND access_token_expires_at < now()) AS expired,
              count(*) FILTER (WHERE status = 'reauth_required') AS reauth,
              count(*) FILTER (WHERE last_error IS NOT NULL) AS errors
         FROM connections`,
    );

    // After the brokers stopped (refreshes in flight finished): what the endpoint considers current now.
    const { generations } = await fake.stats();
    const staleRows = await rowsNotHoldingTheLatestToken(db, context, indexOf, generations);
    const analysis = analyze(stats, seedDues, observedDues, t0, windowEnd);
    return {
      scenario,
      seedSeconds,
      slackSeconds,
      ...analysis,
      refreshesPerSecond: analysis.refreshes / windowSeconds,
      expectedPerSecond: expectedRate(scenario),
      reuses: stats.reuses,
      staleRows,
      unknownTokens: stats.unknownTokens,
      expiredAtEnd: Number(endRows[0]!.expired),
      reauthRequired: Number(endRows[0]!.reauth),
      withLastError: Number(endRows[0]!.errors),
      brokers: usages.map((usage, i) => ({
        cpuCores: usage.cpuCores,
        cpuPeak: usage.cpuPeak,
        rssIdleMiB: rssIdle[i] ?? 0,
        rssMaxMiB: usage.rssMax,
        rssEndMiB: usage.rssLast,
        readyMs: readyMs[i] ?? 0,
      })),
      postgres: {
        cpuCores: postgresCpu,
        rates: counterRates(counters0, counters1, windowSeconds),
        hotUpdateShare:
          (table1.hotUpdates - table0.hotUpdates) / Math.max(1, table1.updates - table0.updates),
        autovacuums: table1.autovacuums - table0.autovacuums,
        deadTuplesAtEnd: table1.deadTuples,
        tableMiB: table1.bytes / 1024 / 1024,
      },
      fakeCpuCores: fakeCpu,
      machineBusy: (machine1.busy - machine0.busy) / (machine1.total - machine0.total),
      otherCores: load.otherCores,
      timeline: timeline(stats, analysis.lags, samplers, postgresCpuSamples, t0, windowEnd),
      claimPlan,
    };
  } finally {
    for (const broker of brokers) await broker.stop();
    await db.end();
  }
}

const rssOf = (pid: number) => ProcessSampler.rssNow(pid);

/** Decrypts every stored refresh token (the bench holds the key) and compares it with the endpoint's. */
async function rowsNotHoldingTheLatestToken(
  db: pg.Pool,
  context: BenchContext,
  indexOf: Map<string, number>,
  generations: Int32Array,
): Promise<number> {
  let stale = 0;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const { rows } = await db.query<{ id: string; sealed: Buffer }>(
      `SELECT id, refresh_token_ciphertext AS sealed FROM connections WHERE id > $1 ORDER BY id LIMIT 5000`,
      [after],
    );
    if (!rows.length) return stale;
    for (const { id, sealed } of rows) {
      const index = indexOf.get(id);
      const token = context.cipher.decrypt(sealed, `connections:${id}:refresh_token`);
      const held = parseRefreshToken(token);
      if (index === undefined || held?.index !== index || held.generation !== generations[index]) stale++;
    }
    after = rows.at(-1)!.id;
  }
}

/** Refreshes a second the schedule asks for: steady, N over the mean refresh period. */
function expectedRate(scenario: RefreshScenario): number {
  if (scenario.schedule.kind === 'spread') return scenario.connections / scenario.schedule.seconds;
  // E[1 / (LIFETIME - MARGIN - U(0, J))] = ln(P / (P - J)) / J with P = LIFETIME - MARGIN.
  const period = LIFETIME_SECONDS - MARGIN_SECONDS;
  return (scenario.connections * Math.log(period / (period - MAX_JITTER_SECONDS))) / MAX_JITTER_SECONDS;
}

function analyze(
  stats: FakeStats,
  seedDues: Float64Array,
  observedDues: Map<number, number[]>,
  t0: number,
  windowEnd: number,
) {
  const { log } = stats;
  const lags = new Float64Array(log.length);
  let lagUnmatched = 0;
  let refreshedAfterExpiry = 0;
  let minHeadroom = Infinity;
  const lastRefresh = new Map<number, number>();
  const refreshCount = new Map<number, number>();
  let doubleRefreshes = 0;
  const perClient = new Map<number, number>();
  for (let i = 0; i < log.length; i++) {
    const index = log.index[i]!;
    const at = log.at[i]!;
    let due = -Infinity;
    const seeded = seedDues[index]!;
    if (seeded <= at + 1_000) due = seeded;
    for (const observed of observedDues.get(index) ?? [])
      if (observed <= at + 1_000 && observed > due) due = observed;
    if (due === -Infinity) lagUnmatched++;
    lags[i] = Math.max(0, at - due) / 1000;
    const headroom = log.headroomMs[i]!;
    if (headroom < minHeadroom) minHeadroom = headroom;
    if (headroom <= 0) refreshedAfterExpiry++;
    const previous = lastRefresh.get(index);
    if (previous !== undefined && at - previous < (MIN_PERIOD_SECONDS - 10) * 1000) doubleRefreshes++;
    lastRefresh.set(index, at);
    refreshCount.set(index, (refreshCount.get(index) ?? 0) + 1);
    perClient.set(log.client[i]!, (perClient.get(log.client[i]!) ?? 0) + 1);
  }
  let dueInWindowNotRefreshed = 0;
  // Due more than 5 s before the window closed: there was time to refresh it.
  for (let index = 0; index < seedDues.length; index++) {
    if (seedDues[index]! < windowEnd - 5_000 && !refreshCount.has(index)) dueInWindowNotRefreshed++;
  }
  void t0;
  return {
    lags,
    refreshes: log.length,
    perReplica: [...perClient].map(([client, refreshes]) => ({
      client: stats.clients[client] ?? String(client),
      refreshes,
    })),
    lagSeconds: {
      p50: percentile(lags, 50),
      p90: percentile(lags, 90),
      p99: percentile(lags, 99),
      max: percentile(lags, 100),
    },
    lagUnmatched,
    minHeadroomSeconds: minHeadroom / 1000,
    refreshedAfterExpiry,
    connectionsRefreshed: refreshCount.size,
    connectionsRefreshedTwice: [...refreshCount.values()].filter((count) => count >= 2).length,
    dueInWindowNotRefreshed,
    doubleRefreshes,
  };
}

function timeline(
  stats: FakeStats,
  lags: Float64Array,
  samplers: ProcessSampler[],
  postgresCpu: { at: number; cpu: number }[],
  t0: number,
  windowEnd: number,
): TimelineRow[] {
  const rows: TimelineRow[] = [];
  for (let from = t0; from < windowEnd - 1_000; from += TIMELINE_BUCKET_MS) {
    const to = Math.min(windowEnd, from + TIMELINE_BUCKET_MS);
    const bucketLags: number[] = [];
    for (let i = 0; i < stats.log.length; i++) {
      const at = stats.log.at[i]!;
      if (at >= from && at < to) bucketLags.push(lags[i]!);
    }
    const brokerCpu = samplers.reduce((sum, sampler) => sum + sampler.averageCpuBetween(from, to), 0);
    const before = [...postgresCpu].reverse().find((sample) => sample.at <= from) ?? postgresCpu[0]!;
    const after = postgresCpu.find((sample) => sample.at >= to) ?? postgresCpu.at(-1)!;
    rows.push({
      fromSeconds: Math.round((from - t0) / 1000),
      refreshesPerSecond: bucketLags.length / ((to - from) / 1000),
      lagP99: percentile(bucketLags, 99),
      brokerCpuCores: brokerCpu,
      postgresCpuCores: after.at > before.at ? (after.cpu - before.cpu) / ((after.at - before.at) / 1000) : 0,
    });
  }
  return rows;
}
