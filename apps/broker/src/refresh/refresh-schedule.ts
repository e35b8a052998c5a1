/** Longest random spread of refresh due times, so connections made together do not refresh together. */
const MAX_JITTER_MS = 30_000;
const BACKOFF_BASE_MS = 2_000;
const BACKOFF_CAP_MS = 5 * 60_000;

/**
 * When to renew a token that expires at `expiresAt` after `lifetimeSeconds`: `marginSeconds` before
 * expiry, minus up to 10 % of the lifetime (at most 30 s) of jitter. The margin is capped at half
 * the lifetime, so very short-lived tokens are not refreshed again the moment they arrive.
 */
export function refreshDueAt(
  expiresAt: Date,
  lifetimeSeconds: number,
  marginSeconds: number,
  random: () => number = Math.random,
): Date {
  const lifetimeMs = lifetimeSeconds * 1000;
  const marginMs = Math.min(marginSeconds * 1000, lifetimeMs / 2);
  const jitterMs = random() * Math.min(MAX_JITTER_MS, lifetimeMs * 0.1);
  return new Date(expiresAt.getTime() - marginMs - jitterMs);
}

/**
 * Delay before the next attempt after `failures` consecutive transient failures: exponential from
 * 2 s, capped at 5 min, with "full jitter" so replicas and connections that failed together (sipgate
 * down) do not come back in lockstep. A server's Retry-After is honoured as a lower bound.
 */
export function retryDelayMs(
  failures: number,
  retryAfterSeconds?: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, failures - 1));
  const jittered = ceiling / 2 + random() * (ceiling / 2);
  return Math.max(jittered, (retryAfterSeconds ?? 0) * 1000);
}
