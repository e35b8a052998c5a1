export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

/**
 * Exponential backoff, capped, with jitter on the upper half: after a Postgres restart every replica
 * reconnects, and jitter keeps them from arriving in lock-step on each retry.
 */
export function reconnectDelay(
  failures: number,
  { initialMs, maxMs }: BackoffOptions,
  random = Math.random,
): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(failures, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
