import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** Clock ticks per second of /proc/<pid>/stat times; 100 on every Linux this runs on. */
const CLOCK_TICKS = 100;

/** utime + stime (+ children's, when asked) of a process in seconds; undefined once it is gone. */
export function cpuSeconds(pid: number, withChildren = false): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses: fields count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const children = withChildren ? Number(fields[13]) + Number(fields[14]) : 0;
    return (ticks + children) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** Resident set size in MiB; undefined once the process is gone. */
export function rssMiB(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds of a whole Postgres server: the postmaster (with the children it has reaped) plus
 * every live backend, so connections opened and closed in between are counted too.
 */
export function postgresCpuSeconds(postmasterPid: number): number {
  let total = cpuSeconds(postmasterPid, true) ?? 0;
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (Number.isInteger(pid) && pid !== postmasterPid && parentOf(pid) === postmasterPid) {
      total += cpuSeconds(pid) ?? 0;
    }
  }
  return total;
}

/** Busy and total jiffies of the whole machine (all cores), from /proc/stat. */
export function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  const total = values.reduce((sum, value) => sum + value, 0);
  return { busy: total - idle, total };
}

/** Samples CPU and RSS of a process once a second until stopped. */
export class ProcessSampler {
  private readonly timer: NodeJS.Timeout;
  private readonly startCpu: number;
  private readonly startedAt = Date.now();
  private readonly machineStart = machineTicks();
  readonly rss: number[] = [];
  /** CPU cores used in each interval, with the time the interval ended. */
  readonly cpu: number[] = [];
  readonly cpuAt: number[] = [];
  private lastCpu: number;
  private lastAt = Date.now();

  constructor(private readonly pid: number) {
    this.startCpu = cpuSeconds(pid) ?? 0;
    this.lastCpu = this.startCpu;
    this.timer = setInterval(() => this.sample(), 1_000);
  }

  static rssNow(pid: number): number {
    return rssMiB(pid) ?? 0;
  }

  private sample(): void {
    const rss = rssMiB(this.pid);
    const cpu = cpuSeconds(this.pid);
    const now = Date.now();
    if (rss !== undefined) this.rss.push(rss);
    if (cpu !== undefined && now > this.lastAt) {
      this.cpu.push((cpu - this.lastCpu) / ((now - this.lastAt) / 1000));
      this.cpuAt.push(now);
      this.lastCpu = cpu;
      this.lastAt = now;
    }
  }

  /** Mean CPU cores over the samples that ended within [from, to). */
  averageCpuBetween(from: number, to: number): number {
    const inside = this.cpu.filter((_, i) => this.cpuAt[i]! > from && this.cpuAt[i]! <= to);
    return inside.length ? inside.reduce((sum, value) => sum + value, 0) / inside.length : 0;
  }

  stop(): { cpuCores: number; cpuPeak: number; rssMax: number; rssLast: number; machineBusy: number } {
    clearInterval(this.timer);
    this.sample();
    const seconds = (Date.now() - this.startedAt) / 1000;
    const machine = machineTicks();
    return {
      cpuCores: ((cpuSeconds(this.pid) ?? this.lastCpu) - this.startCpu) / seconds,
      cpuPeak: Math.max(0, ...this.cpu),
      rssMax: Math.max(0, ...this.rss),
      rssLast: this.rss.at(-1) ?? 0,
      machineBusy: (machine.busy - this.machineStart.busy) / (machine.total - this.machineStart.total),
    };
  }
}

/**
 * CPU used on the whole machine during a measurement, split into this benchmark's processes (the
 * bench itself, brokers, Postgres, helpers) and everything else: other work on a shared machine
 * makes the figures of that measurement less reliable, and the report says so.
 */
export class LoadMeter {
  private readonly machine0 = machineTicks();
  private readonly ours0: number;
  private readonly started = Date.now();

  constructor(
    private readonly pids: number[],
    private readonly postmasterPid: number,
  ) {
    this.ours0 = this.ours();
  }

  private ours(): number {
    const self = process.cpuUsage();
    let total = (self.user + self.system) / 1e6 + postgresCpuSeconds(this.postmasterPid);
    for (const pid of this.pids) total += cpuSeconds(pid) ?? 0;
    return total;
  }

  /** Cores in use on average: on the whole machine, by our processes, by everything else. */
  stop(): { machineCores: number; oursCores: number; otherCores: number } {
    const machine1 = machineTicks();
    const seconds = (Date.now() - this.started) / 1000;
    const cores = availableParallelism();
    const machineCores =
      ((machine1.busy - this.machine0.busy) / (machine1.total - this.machine0.total)) * cores;
    const oursCores = (this.ours() - this.ours0) / seconds;
    return { machineCores, oursCores, otherCores: Math.max(0, machineCores - oursCores) };
  }
}
