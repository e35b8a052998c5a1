const BACKOFF_BASE_MS = 5_000;
const BACKOFF_CAP_MS = 15 * 60_000;

/**
 * Delay before the next attempt after `attempts` failed ones: exponential from 5 s, capped at 15 min,
 * with jitter over the upper half so events that failed together (the receiver was down) come back
 * spread out instead of as one burst. With the default 25 attempts this spans about 2 to 4 hours.
 */
export function webhookRetryDelayMs(attempts: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1));
  return ceiling / 2 + random() * (ceiling / 2);
}

/**
 * Whether a failed event should be given up: after `maxAttempts` attempts, or when the next attempt
 * would fall after `maxAgeSeconds` since the event was recorded (a receiver that is back after a day
 * mostly wants today's state, not yesterday's news).
 */
export function shouldGiveUp(
  attempts: number,
  createdAt: Date,
  nextAttemptAt: Date,
  limits: { maxAttempts: number; maxAgeSeconds: number },
): boolean {
  return (
    attempts >= limits.maxAttempts ||
    nextAttemptAt.getTime() - createdAt.getTime() > limits.maxAgeSeconds * 1000
  );
}
