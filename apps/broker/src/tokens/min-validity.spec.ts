import { describe, expect, it } from '@jest/globals';
import type { UsableCredential } from '../connections/connection.types.js';
import { validLongEnough } from './min-validity.js';

const NOW = Date.parse('2026-12-04T12:00:00.000Z');
const credential = (secondsLeft: number, lifetimeSeconds: number | null): UsableCredential => ({
  connectionId: 'c1',
  type: lifetimeSeconds === null ? 'pat' : 'oauth',
  status: 'active',
  secret: 'secret',
  expiresAt: lifetimeSeconds === null ? null : new Date(NOW + secondsLeft * 1000),
  lifetimeSeconds,
  version: 1,
  retryNotBefore: null,
});

describe('validLongEnough', () => {
  it('holds a read to what it asks while that is within what sipgate grants less the margin', () => {
    expect(validLongEnough(credential(100, 300), 100, 60, NOW)).toBe(true);
    expect(validLongEnough(credential(99, 300), 100, 60, NOW)).toBe(false);
  });

  it('bounds a read asking more than that by the lifetime last granted, not by 300 s', () => {
    expect(validLongEnough(credential(240, 300), 3600, 60, NOW)).toBe(true);
    expect(validLongEnough(credential(239, 300), 3600, 60, NOW)).toBe(false);
    expect(validLongEnough(credential(1140, 1200), 3600, 60, NOW)).toBe(true);
    expect(validLongEnough(credential(1139, 1200), 3600, 60, NOW)).toBe(false);
  });

  it('caps the margin at half the lifetime, as the refresh schedule does', () => {
    expect(validLongEnough(credential(40, 80), 3600, 60, NOW)).toBe(true);
    expect(validLongEnough(credential(39, 80), 3600, 60, NOW)).toBe(false);
  });

  it('leaves a fresh token at least 10 s however small the margin, so reads cannot refresh every second', () => {
    expect(validLongEnough(credential(290, 300), 3600, 1, NOW)).toBe(true);
    expect(validLongEnough(credential(289, 300), 3600, 1, NOW)).toBe(false);
  });

  it('never bounds a PAT, which never expires', () => {
    expect(validLongEnough(credential(0, null), 3600, 60, NOW)).toBe(true);
  });
});
