import { describe, expect, it } from '@jest/globals';
import { refreshDueAt, retryDelayMs } from './refresh-schedule.js';

const expiresAt = new Date('2026-01-01T00:05:00Z');

describe('refreshDueAt', () => {
  it('is the margin before expiry without jitter', () => {
    expect(refreshDueAt(expiresAt, 300, 60, () => 0).toISOString()).toBe('2026-01-01T00:04:00.000Z');
  });

  it('spreads by at most 10 % of the lifetime, capped at 30 s', () => {
    expect(refreshDueAt(expiresAt, 300, 60, () => 1).toISOString()).toBe('2026-01-01T00:03:30.000Z');
    const day = refreshDueAt(expiresAt, 86_400, 60, () => 1);
    expect(expiresAt.getTime() - day.getTime()).toBe(90_000);
  });

  it('caps the margin at half the lifetime of short-lived tokens', () => {
    expect(expiresAt.getTime() - refreshDueAt(expiresAt, 20, 60, () => 0).getTime()).toBe(10_000);
  });
});

describe('retryDelayMs', () => {
  it('grows exponentially with jitter and stays under the cap', () => {
    expect(retryDelayMs(1, undefined, () => 1)).toBe(2_000);
    expect(retryDelayMs(1, undefined, () => 0)).toBe(1_000);
    expect(retryDelayMs(4, undefined, () => 1)).toBe(16_000);
    expect(retryDelayMs(40, undefined, () => 1)).toBe(300_000);
  });

  it('never retries before a Retry-After', () => {
    expect(retryDelayMs(1, 120, () => 0)).toBe(120_000);
  });
});
