import { setTimeout as sleep } from 'node:timers/promises';
import { DEMO_USERS, type Sandbox, type SandboxUser, startSandbox } from '#libs/sandbox';
import { createTestDatabase, type TestDatabase } from '#libs/testing';
import { BrokerFleet } from './broker-fleet.js';
import { PUBLIC_URL, TEST_CLIENT } from './sandboxed-broker.js';
import { sql } from './sql.js';

/** The sandbox in this (jest) process, with short-lived access tokens, for broker processes to use. */
export function startShortLivedSandbox(
  accessTokenTtlSeconds: number,
  users: readonly SandboxUser[] = DEMO_USERS,
): Promise<Sandbox> {
  return startSandbox({
    clients: [{ ...TEST_CLIENT, redirectUris: [`${PUBLIC_URL}/v1/oauth/callback`] }],
    accessTokenTtlSeconds,
    users: [...users],
  });
}

/** What a chaos spec runs against: its own database, a short-lived-token sandbox, broker processes. */
export interface ChaosStage {
  database: TestDatabase;
  sandbox: Sandbox;
  fleet: BrokerFleet;
  /** Stops the consumer loops, clears faults, kills every broker, closes the sandbox, drops the database. */
  stop(): Promise<void>;
}

export async function startChaosStage(
  accessTokenTtlSeconds: number,
  users: readonly SandboxUser[],
  env: NodeJS.ProcessEnv,
): Promise<ChaosStage> {
  const database = await createTestDatabase();
  const sandbox = await startShortLivedSandbox(accessTokenTtlSeconds, users);
  const fleet = new BrokerFleet({ databaseUrl: database.url, sandbox, env });
  return {
    database,
    sandbox,
    fleet,
    stop: async () => {
      await stopAllLoops();
      sandbox.setTokenEndpointFault(null);
      await fleet.killAll();
      await sandbox.close();
      await database.drop();
    },
  };
}

/** More users of the first demo account (`w2`, `w3`, ...), to connect more than three accounts. */
export function sandboxUsers(count: number): SandboxUser[] {
  const extra = Array.from({ length: Math.max(0, count - DEMO_USERS.length) }, (_, i) => ({
    ...DEMO_USERS[0]!,
    sub: `w${i + 2}`,
    name: `Demo User ${i + 2}`,
  }));
  return [...DEMO_USERS, ...extra].slice(0, count);
}

export interface RefresherRow {
  id: string;
  status: string;
  last_refreshed_at: Date | null;
  access_token_expires_at: Date | null;
  refresh_due_at: Date | null;
  failure_count: number;
  lease_expires_at: Date | null;
  last_error: string | null;
}

/** What the refresher keeps per connection, read straight from the database. */
export function refresherRows(url: string, ids: readonly string[]): Promise<RefresherRow[]> {
  return sql<RefresherRow>(
    url,
    `SELECT id, status, last_refreshed_at, access_token_expires_at, refresh_due_at, failure_count,
            lease_expires_at, last_error
       FROM connections WHERE id = ANY($1::uuid[]) ORDER BY id`,
    [ids],
  );
}

/**
 * Polls `probe` until it returns something other than undefined/false, or fails with `what` once
 * `timeoutMs` has passed. Only the contract bound is asserted, never the speed.
 */
export async function eventually<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: string | undefined;
  for (;;) {
    try {
      const result = await probe();
      if (result !== undefined && result !== false) return result;
    } catch (error) {
      lastError = error instanceof Error ? error.message : JSON.stringify(error);
    }
    if (Date.now() > deadline) {
      throw new Error(`${what}: not within ${timeoutMs} ms${lastError ? ` (last error: ${lastError})` : ''}`);
    }
    await sleep(intervalMs);
  }
}

const runningLoops = new Set<{ stop(): Promise<void> }>();

/**
 * Runs `step` over and over until `stop()` is called; `stop` resolves after the last step. A step
 * that throws is recorded in `errors` (for the test to assert on) and the loop goes on.
 */
export function repeatUntilStopped(step: () => Promise<void>, pauseMs: number) {
  const stopping = new AbortController();
  const errors: string[] = [];
  const done = (async () => {
    while (!stopping.signal.aborted) {
      try {
        await step();
      } catch (error) {
        errors.push(error instanceof Error ? error.message : JSON.stringify(error));
      }
      await sleep(pauseMs);
    }
  })();
  const loop = {
    errors,
    stop: async () => {
      stopping.abort();
      await done;
      runningLoops.delete(loop);
    },
  };
  runningLoops.add(loop);
  return loop;
}

/** Teardown, also after a failed test: no reader or observer may outlive it. */
export async function stopAllLoops(): Promise<void> {
  await Promise.all([...runningLoops].map((loop) => loop.stop()));
}
