import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

export interface Helper<T> {
  child: ChildProcess;
  /** The JSON object the helper printed as its first line. */
  hello: T;
  stop(): Promise<void>;
}

/** Runs one of the bench's helper servers (compiled next to this file) in a process of its own. */
export async function startHelper<T>(script: string, env: NodeJS.ProcessEnv = {}): Promise<Helper<T>> {
  const child = spawn(process.execPath, [new URL(`../${script}`, import.meta.url).pathname], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const [first] = (await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(() => {
      throw new Error(`${script} exited before it was ready`);
    }),
  ])) as [string];
  const exited = once(child, 'exit');
  return {
    child,
    hello: JSON.parse(first) as T,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
