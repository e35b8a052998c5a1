import { describe, expect, it } from '@jest/globals';
import { parseRetryAfter } from './retry-after.js';

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');

  it('reads delta-seconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
  });

  it('reads an HTTP date as seconds from now, never negative', () => {
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:01:30 GMT', now)).toBe(90);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now)).toBe(0);
  });

  it('ignores absent or unparseable values instead of guessing', () => {
    for (const value of [undefined, '', '-5', '1.5', 'soon', '2025-01-01', 'in 1 minute']) {
      expect(parseRetryAfter(value, now)).toBeUndefined();
    }
  });
});
