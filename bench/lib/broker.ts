import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '#libs/testing';

export const BROKER_MAIN = join(process.cwd(), 'dist', 'apps', 'broker', 'src', 'main.js');

export interface BrokerHandle {
  pid: number;
  url: string;
  /** Milliseconds from spawn to the first 200 of /health/ready. */
  readyMs: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

export interface BrokerOptions {
  env: NodeJS.ProcessEnv;
  /** Where stdout and stderr (the JSON log) go. */
  logFile: string;
  /** Write a V8 CPU profile into this directory when the broker exits. */
  cpuProfileDir?: string;
}

/**
 * Starts the built broker (dist/) as its own process, as an operator would, and waits until
 * /health/ready answers 200. Its log goes to a file, as it would to a container runtime.
 */
export async function startBroker({ env, logFile, cpuProfileDir }: BrokerOptions): Promise<BrokerHandle> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const out = openSync(logFile, 'a');
  const args: string[] = [];
  if (cpuProfileDir) {
    mkdirSync(cpuProfileDir, { recursive: true });
    args.push('--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`);
  }
  const startedAt = performance.now();
  const child = spawn(process.execPath, [...args, BROKER_MAIN], {
    env: { PATH: process.env.PATH, NODE_ENV: 'production', PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  const exited = once(child, 'exit');
  let gone = false;
  void exited.then(() => (gone = true));
  for (;;) {
    if (gone) throw new Error(`the broker exited during start-up; see ${logFile}`);
    try {
      const response = await fetch(`${url}/health/ready`);
      await response.arrayBuffer();
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    if (performance.now() - startedAt > 60_000) {
      child.kill('SIGKILL');
      throw new Error(`the broker was not ready within 60 s; see ${logFile}`);
    }
    await sleep(10);
  }
  const readyMs = performance.now() - startedAt;
  return {
    pid: child.pid!,
    url,
    readyMs,
    child,
    stop: async () => {
      if (!gone) child.kill('SIGTERM');
      await exited;
    },
  };
}
