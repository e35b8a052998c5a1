import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

const MAIN = join('dist', 'apps', 'broker', 'src', 'main.js');

export interface BrokerProcess {
  child: ChildProcessByStdio<null, Readable, Readable>;
  /** Base URL once the broker logged "broker ready". */
  url: Promise<string>;
  /** Every log line so far (stdout and stderr). */
  lines: string[];
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Runs the built broker (`npm test` builds first) as its own process, as an operator would, so
 * start-up, signals and crashes are exercised for real. `cwd` is the checkout it runs from.
 */
export function spawnBroker(env: NodeJS.ProcessEnv, cwd = process.cwd()): BrokerProcess {
  const child = spawn(process.execPath, [join(cwd, MAIN)], {
    cwd,
    env: { PATH: process.env.PATH, PORT: '0', SANDBOX_PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const url = new Promise<string>((resolve, reject) => {
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        lines.push(line);
        if (line.includes('"msg":"broker ready"')) resolve(JSON.parse(line).url);
      });
    }
    void exited.then((code) => reject(new Error(`broker exited with ${code}:\n${lines.join('\n')}`)));
  });
  url.catch(() => undefined); // callers that expect a failed start only await `exited`
  return {
    child,
    url,
    lines,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
