import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import type { StartupResult } from '../parts/startup.js';
import type { TokenReadResult } from '../parts/token-read.js';
import { profilesIn, summarizeProfile } from './profile.js';
import type { RefreshScenarioResult } from './refresh-scenario.js';
import { fixed, int } from './stats.js';

export interface Machine {
  nproc: number;
  memoryGiB: number;
  cpu: string;
  kernel: string;
  node: string;
  date: string;
  load: string;
}

export function describeMachine(): Machine {
  return {
    nproc: availableParallelism(),
    memoryGiB: totalmem() / 1024 ** 3,
    cpu: cpus()[0]?.model ?? 'unknown',
    kernel: release(),
    node: process.version,
    date: new Date().toISOString(),
    load: loadavg()
      .map((value) => value.toFixed(2))
      .join(' / '),
  };
}

export interface Report {
  machine: Machine & { finishedLoad: string };
  durationSeconds: number;
  tokenRead: TokenReadResult;
  startup: StartupResult;
  replicas: RefreshScenarioResult;
  refresher: RefreshScenarioResult;
  profileDir: string | undefined;
}

const yes = (met: boolean) => (met ? '**met**' : '**not met**');
const table = (header: string[], rows: (string | number)[][]) =>
  [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
const seconds = (value: number, digits = 2) => `${fixed(value, digits)} s`;
const cores = (value: number) => fixed(value, 2);
const mib = (value: number) => `${int(value)} MiB`;

function refreshChecks(result: RefreshScenarioResult) {
  const allBeforeExpiry =
    result.refreshedAfterExpiry === 0 && result.expiredAtEnd === 0 && result.dueInWindowNotRefreshed === 0;
  const exactlyOnce =
    result.doubleRefreshes === 0 &&
    result.reuses === 0 &&
    result.unknownTokens === 0 &&
    result.staleRows === 0;
  return { allBeforeExpiry, exactlyOnce, lagMet: result.lagSeconds.p99 < 5 };
}

function summary(report: Report): string {
  const { tokenRead: read, refresher, replicas, startup } = report;
  const refresh = refreshChecks(refresher);
  const shared = refreshChecks(replicas);
  const perReplica = [...replicas.perReplica]
    .sort((a, b) => a.client.localeCompare(b.client))
    .map((replica) => int(replica.refreshes))
    .join(' / ');
  // Shared: every replica took a real part of the work (the split follows their tick phases).
  const minShare = Math.min(...replicas.perReplica.map((r) => r.refreshes)) / Math.max(1, replicas.refreshes);
  const workShared = replicas.perReplica.length === replicas.scenario.replicas && minShare >= 0.05;
  const n = int(refresher.scenario.connections);
  return table(
    ['target', 'measured', ''],
    [
      [
        'token read: ≥ 0.6× the baseline’s requests/s',
        `${fixed(read.ratio, 2)}× (${int(read.broker.requestsPerSecond)} vs ${int(read.baseline.requestsPerSecond)} req/s)`,
        yes(read.met.throughput),
      ],
      [
        'token read: p99 ≤ 2× the baseline’s',
        `${fixed(read.p99Factor, 1)}× (${read.broker.latencyP99} vs ${read.baseline.latencyP99} ms)`,
        yes(read.met.latency),
      ],
      ['token read: zero errors, zero non-2xx', `${read.failures}`, yes(read.met.errors)],
      [
        `${n} connections: every one refreshed before its access token expired`,
        `${int(refresher.refreshes)} refreshes, none late; least life left ${seconds(refresher.minHeadroomSeconds, 1)}; 0 expired at the end`.replace(
          'none late',
          refresher.refreshedAfterExpiry === 0 ? 'none late' : `${refresher.refreshedAfterExpiry} late`,
        ),
        yes(refresh.allBeforeExpiry),
      ],
      [
        `${n} connections: two full cycles, every connection refreshed at least twice`,
        `${int(refresher.connectionsRefreshedTwice)} of ${n} refreshed twice or more in ${int(refresher.scenario.windowSeconds)} s`,
        yes(refresher.connectionsRefreshedTwice === refresher.scenario.connections),
      ],
      [
        `${n} connections: refresh lag p99 < 5 s`,
        `p50 ${seconds(refresher.lagSeconds.p50)}, p99 ${seconds(refresher.lagSeconds.p99)}`,
        yes(refresh.lagMet),
      ],
      [
        `${n} connections: no double refresh, no reused refresh token`,
        `${refresher.doubleRefreshes} double, ${refresher.reuses} reused; ${refresher.staleRows} rows not holding the latest refresh token`,
        yes(refresh.exactlyOnce),
      ],
      [
        '3 replicas × 10,000: work shared, no double refresh',
        `${perReplica} refreshes (every replica ≥ 5 %); all ${int(replicas.connectionsRefreshed)} refreshed; ${replicas.doubleRefreshes} double, ${replicas.reuses} reused, ${replicas.staleRows} stale rows`,
        yes(workShared && shared.exactlyOnce && shared.allBeforeExpiry),
      ],
      [
        'start-up to /health/ready, external database',
        `median ${int(startup.medianReadyMs)} ms (${int(startup.minReadyMs)}-${int(startup.maxReadyMs)})`,
        'reported',
      ],
      [
        `resident memory: idle, and with ${n} connections`,
        `${mib(startup.medianRssIdleMiB)} idle; with ${n}: ${mib(refresher.brokers[0]?.rssIdleMiB ?? 0)} before the first due time, ${mib(refresher.brokers[0]?.rssMaxMiB ?? 0)} at most while refreshing`,
        'reported',
      ],
    ],
  );
}

function tokenReadSection(read: TokenReadResult): string {
  const rounds = table(
    [
      'round',
      'target',
      'req/s',
      'p50 ms',
      'p99 ms',
      'max ms',
      'errors',
      'non-2xx',
      'server CPU µs/req',
      'other load (cores)',
    ],
    read.rounds.map((round, i) => [
      Math.floor(i / 2) + 1,
      round.target,
      int(round.requestsPerSecond),
      round.latencyP50,
      round.latencyP99,
      round.latencyMax,
      round.errors + round.timeouts,
      round.non2xx,
      fixed(round.cpuMicrosPerRequest, 1),
      cores(round.otherCores),
    ]),
  );
  const medians = table(
    ['median of rounds', 'req/s', 'p50 ms', 'p99 ms', 'server CPU µs/req'],
    [
      [
        'baseline (bare Fastify)',
        int(read.baseline.requestsPerSecond),
        read.baseline.latencyP50,
        read.baseline.latencyP99,
        fixed(read.baseline.cpuMicrosPerRequest, 1),
      ],
      [
        'broker',
        int(read.broker.requestsPerSecond),
        read.broker.latencyP50,
        read.broker.latencyP99,
        fixed(read.broker.cpuMicrosPerRequest, 1),
      ],
      [
        'broker / baseline',
        `${fixed(read.ratio, 2)}×`,
        '',
        `${fixed(read.p99Factor, 1)}×`,
        `${fixed(read.broker.cpuMicrosPerRequest / read.baseline.cpuMicrosPerRequest, 1)}×`,
      ],
    ],
  );
  return [
    '## 1. Token read',
    '',
    `\`GET /v1/connections/{id}/token\` with a \`tokens:read\` key created through the API, one OAuth connection with a long-lived access token (every read is a cache hit, the steady state), ` +
      `autocannon with 50 connections for ${read.roundSeconds} s per round, after 3 s of warm-up each; the broker (built, LOG_LEVEL=info, REFRESH_SCHEDULER=off, ` +
      'TOKEN_RATE_LIMIT_PER_SECOND at its maximum so that the per-key limit, a policy, does not trip while its code still runs on every request) and the baseline take turns. ' +
      `The baseline is a bare Fastify 5 route in its own process answering the very ${int(read.bodyBytes)}-byte body the broker sends, serialized per request. ` +
      'Latencies have autocannon’s 1 ms resolution. "Server CPU µs/req" is the user+system CPU time of the measured server process divided by the requests it answered.',
    '',
    rounds,
    '',
    medians,
    '',
    `Broker during its rounds: ${cores(read.brokerCpuCores)} cores on average, at most ${mib(read.brokerRssMiB)} resident.`,
  ].join('\n');
}

function refreshSection(title: string, result: RefreshScenarioResult, intro: string): string {
  const broker = result.brokers;
  const rows: (string | number)[][] = [
    ['connections', int(result.scenario.connections)],
    ['window', `${int(result.scenario.windowSeconds)} s from the first due time`],
    ['seeding (encrypting and inserting)', seconds(result.seedSeconds, 1)],
    ['brokers ready before the first due time', seconds(result.slackSeconds, 1)],
    [
      'refreshes',
      result.scenario.schedule.kind === 'steady'
        ? `${int(result.refreshes)} (${fixed(result.refreshesPerSecond, 1)}/s; the schedule asks for ${fixed(result.expectedPerSecond, 1)}/s)`
        : `${int(result.refreshes)} (every connection due once within ${result.scenario.schedule.seconds} s: ${fixed(result.expectedPerSecond, 1)}/s)`,
    ],
    ...(broker.length > 1
      ? [
          [
            'refreshes per replica',
            [...result.perReplica]
              .sort((a, b) => a.client.localeCompare(b.client))
              .map((r) => `${r.client}: ${int(r.refreshes)}`)
              .join(', '),
          ],
        ]
      : []),
    [
      'connections refreshed (at least twice)',
      `${int(result.connectionsRefreshed)} (${int(result.connectionsRefreshedTwice)})`,
    ],
    ['due within the window but never refreshed', int(result.dueInWindowNotRefreshed)],
    [
      'refresh lag (refresh arrival at the token endpoint − due time)',
      `p50 ${seconds(result.lagSeconds.p50)}, p90 ${seconds(result.lagSeconds.p90)}, p99 ${seconds(result.lagSeconds.p99)}, max ${seconds(result.lagSeconds.max)}`,
    ],
    ['least life an access token had left when refreshed', seconds(result.minHeadroomSeconds, 1)],
    [
      'refreshed after expiry / expired at the end',
      `${result.refreshedAfterExpiry} / ${result.expiredAtEnd}`,
    ],
    [
      'double refreshes / reused refresh tokens / unknown tokens',
      `${result.doubleRefreshes} / ${result.reuses} / ${result.unknownTokens}`,
    ],
    [
      'rows not holding the refresh token the endpoint issued last (checked after the brokers stopped)',
      int(result.staleRows),
    ],
    [
      'reauth_required / rows with last_error at the end',
      `${result.reauthRequired} / ${result.withLastError}`,
    ],
    ...broker.map((usage, i) => [
      broker.length > 1 ? `broker ${i + 1}` : 'broker',
      `CPU ${cores(usage.cpuCores)} cores (peak ${cores(usage.cpuPeak)} in a second); RSS ${mib(usage.rssIdleMiB)} before the window, ${mib(usage.rssMaxMiB)} max, ${mib(usage.rssEndMiB)} at the end; ready after ${int(usage.readyMs)} ms`,
    ]),
    [
      'Postgres',
      `CPU ${cores(result.postgres.cpuCores)} cores; table ${mib(result.postgres.tableMiB)} at the end`,
    ],
    ['fake token endpoint', `CPU ${cores(result.fakeCpuCores)} cores`],
    [
      'machine',
      `${fixed(result.machineBusy * 100, 0)} % busy; processes outside the benchmark used ${cores(result.otherCores)} cores`,
    ],
  ];
  const rates = result.postgres.rates;
  const database = table(
    ['database load (pg_stat_database, per second)', 'value'],
    [
      ['transactions committed', fixed(rates.commitsPerSecond, 0)],
      ['… per refresh', fixed(rates.commitsPerSecond / Math.max(1, result.refreshesPerSecond), 2)],
      ['rows updated', fixed(rates.tuplesUpdatedPerSecond, 0)],
      [
        'rows inserted (TOAST: the ciphertexts are stored out of line)',
        fixed(rates.tuplesInsertedPerSecond, 0),
      ],
      ['rows fetched', fixed(rates.tuplesFetchedPerSecond, 0)],
      [
        'buffer hits / reads',
        `${fixed(rates.blocksHitPerSecond, 0)} / ${fixed(rates.blocksReadPerSecond, 0)}`,
      ],
      ['WAL written', `${fixed(rates.walMiBPerSecond, 2)} MiB`],
      ['HOT updates (of all updates)', `${fixed(result.postgres.hotUpdateShare * 100, 0)} %`],
      [
        'autovacuum runs in the window / dead rows at the end',
        `${result.postgres.autovacuums} / ${int(result.postgres.deadTuplesAtEnd)}`,
      ],
    ],
  );
  const timeline = table(
    ['from (s)', 'refreshes/s', 'lag p99 (s)', 'broker CPU (cores)', 'Postgres CPU (cores)'],
    result.timeline.map((row) => [
      row.fromSeconds,
      fixed(row.refreshesPerSecond, 0),
      fixed(row.lagP99, 2),
      cores(row.brokerCpuCores),
      cores(row.postgresCpuCores),
    ]),
  );
  return [
    title,
    '',
    intro,
    '',
    table(['', ''], rows),
    '',
    database,
    '',
    'Over time (30 s buckets):',
    '',
    timeline,
    ...(result.scenario.replicas === 1
      ? [
          '',
          'The claim query (RefreshRepository.claimDue) at the end, on the table as the run left it, with rows due (EXPLAIN ANALYZE, rolled back):',
          '',
          '```',
          ...result.claimPlan,
          '```',
        ]
      : []),
  ].join('\n');
}

function startupSection(startup: StartupResult): string {
  return [
    '## 4. Start-up',
    '',
    'A fresh broker process (built, NODE_ENV=production, scheduler on) against the already migrated database through DATABASE_URL: time from spawn to the first 200 of `/health/ready` (polled every 10 ms), and resident memory then and 3 s later.',
    '',
    table(
      ['run', 'ready after', 'RSS when ready', 'RSS 3 s later'],
      startup.runs.map((run, i) => [
        i + 1,
        `${int(run.readyMs)} ms`,
        mib(run.rssReadyMiB),
        mib(run.rssIdleMiB),
      ]),
    ),
    '',
    `Median ${int(startup.medianReadyMs)} ms; idle resident memory ${mib(startup.medianRssIdleMiB)}.`,
  ].join('\n');
}

function profileSection(profileDir: string | undefined): string {
  if (!profileDir) return '';
  const parts: string[] = [
    '## Profiles',
    '',
    `V8 CPU profiles (\`--cpu-prof\`) of the brokers, in ${profileDir}; self time, idle excluded:`,
    '',
  ];
  for (const name of ['token-read', 'refresh']) {
    for (const file of profilesIn(join(profileDir, name))) {
      const profile = summarizeProfile(file, 12);
      parts.push(
        `### ${name}`,
        '',
        table(
          ['package', '% of samples'],
          profile.packages.map((p) => [p.name, fixed(p.selfPercent, 1)]),
        ),
        '',
      );
      parts.push(
        table(
          ['function', '% of samples'],
          profile.functions.map((f) => [`\`${f.name}\``, fixed(f.selfPercent, 1)]),
        ),
        '',
      );
    }
  }
  return parts.join('\n');
}

export async function writeReport(report: Report): Promise<string> {
  const out = process.env.BENCH_OUT ?? join(process.cwd(), 'docs', 'benchmarks.md');
  const notesFile = join(process.cwd(), 'bench', 'notes.md');
  const notes = existsSync(notesFile) ? readFileSync(notesFile, 'utf8').trim() : '';
  const { machine } = report;
  const overrides = Object.entries(process.env)
    .filter(([name]) => name.startsWith('BENCH_') && name !== 'BENCH_OUT')
    .map(([name, value]) => `${name}=${value}`)
    .join(' ');
  const text = [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (bench/run.ts); the analysis at the end comes from bench/notes.md. Every figure below is from one run.',
    '',
    table(
      ['', ''],
      [
        ['command', `\`${overrides ? `${overrides} ` : ''}npm run bench\``],
        [
          'machine',
          `nproc ${machine.nproc}, ${fixed(machine.memoryGiB, 1)} GiB memory, ${machine.cpu}, Linux ${machine.kernel}`,
        ],
        ['node', machine.node],
        ['date', machine.date],
        [
          'duration',
          `${Math.floor(report.durationSeconds / 60)} min ${Math.round(report.durationSeconds % 60)} s`,
        ],
        ['load average (1/5/15 min) at start and end', `${machine.load}; ${machine.finishedLoad}`],
      ],
    ),
    '',
    '## Targets',
    '',
    summary(report),
    '',
    tokenReadSection(report.tokenRead),
    '',
    refreshSection(
      `## 2. One replica, ${int(report.refresher.scenario.connections)} connections`,
      report.refresher,
      'Every connection an active OAuth connection with encrypted tokens (sealed by the broker’s own SecretCipher, bound to its row), ' +
        'against a fake token endpoint on loopback (bench/fake-sipgate.ts: `expires_in` 300, `refresh_expires_in` 1800, every refresh token valid once). ' +
        'Seeded in the steady state of a broker that has been running: each connection at a random point of its refresh period ' +
        '(the broker refreshes 60 s plus up to 30 s of jitter before expiry, so every 210-240 s), which is the honest sustained rate for these connections with 300 s tokens, from the first second on ' +
        '(for 100,000: about 445 refreshes/s, not 333: nobody waits for the full 300 s). ' +
        `The window (${int(report.refresher.scenario.windowSeconds)} s) ${report.refresher.scenario.windowSeconds >= 480 ? 'covers two full cycles' : 'is shorter than two full cycles (480 s)'}: every connection is due once within the first 240 s and again at most 240 s later. ` +
        `One broker with the defaults (REFRESH_CONCURRENCY ${process.env.BENCH_REFRESH_CONCURRENCY ?? 64}, REFRESH_TICK_MS 1000, LOG_LEVEL info); ` +
        `the fake answers after ${process.env.BENCH_SIPGATE_LATENCY_MS ?? 0} ms.`,
    ),
    '',
    refreshSection(
      `## 3. ${report.replicas.scenario.replicas} replicas, ${int(report.replicas.scenario.connections)} connections`,
      report.replicas,
      'Three brokers with the defaults on one database, each with its own client_id so the fake token endpoint can tell them apart; every connection due once, evenly within 60 s. ' +
        'Each replica claims due rows on its own 1 s tick (SKIP LOCKED), so the split follows the phases of the ticks rather than being even; what matters is that every refresh is done by exactly one of them.',
    ),
    '',
    startupSection(report.startup),
    '',
    profileSection(report.profileDir),
    notes,
    '',
  ].join('\n');
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, text.replace(/\n{3,}/g, '\n\n'));
  return out;
}
