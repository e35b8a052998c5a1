import { describe, expect, it } from '@jest/globals';
import { shouldGiveUp, webhookRetryDelayMs } from './webhook-retry.js';

describe('webhookRetryDelayMs', () => {
  it('doubles from 5 s, with jitter over the upper half', () => {
    expect(webhookRetryDelayMs(1, () => 1)).toBe(5_000);
    expect(webhookRetryDelayMs(1, () => 0)).toBe(2_500);
    expect(webhookRetryDelayMs(3, () => 1)).toBe(20_000);
  });

  it('never waits longer than 15 minutes', () => {
    expect(webhookRetryDelayMs(12, () => 1)).toBe(900_000);
    expect(webhookRetryDelayMs(1_000, () => 1)).toBe(900_000);
  });
});

describe('shouldGiveUp', () => {
  const limits = { maxAttempts: 3, maxAgeSeconds: 3_600 };
  const createdAt = new Date('2026-11-28T10:00:00Z');

  it('gives up after the last allowed attempt', () => {
    const soon = new Date('2026-11-28T10:01:00Z');
    expect(shouldGiveUp(2, createdAt, soon, limits)).toBe(false);
    expect(shouldGiveUp(3, createdAt, soon, limits)).toBe(true);
  });

  it('gives up when the next attempt would come after the maximum age', () => {
    expect(shouldGiveUp(1, createdAt, new Date('2026-11-28T11:00:00Z'), limits)).toBe(false);
    expect(shouldGiveUp(1, createdAt, new Date('2026-11-28T11:00:01Z'), limits)).toBe(true);
  });
});
