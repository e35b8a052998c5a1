import { describe, expect, it } from '@jest/globals';
import { decodeNotice, encodeNotice } from './change-notice.js';
import { reconnectDelay } from './reconnect-delay.js';

describe('change notices', () => {
  it('round-trip through their JSON payload', () => {
    const notice = { kind: 'api_key', id: '6f1c2b9e-8d4a-4e7b-b3a1-0c9d8e7f6a5b' } as const;
    expect(decodeNotice(encodeNotice(notice))).toEqual(notice);
  });

  it.each([
    undefined,
    '',
    'not json',
    'null',
    '[]',
    '{"kind":"other","id":"x"}',
    '{"kind":"api_key"}',
    '{"kind":"api_key","id":7}',
  ])('ignores the payload %p', (payload) => {
    expect(decodeNotice(payload)).toBeUndefined();
  });
});

describe('reconnectDelay', () => {
  const options = { initialMs: 100, maxMs: 5_000 };

  it('doubles per failure, jittered within the upper half', () => {
    expect(reconnectDelay(0, options, () => 0)).toBe(50);
    expect(reconnectDelay(0, options, () => 1)).toBe(100);
    expect(reconnectDelay(3, options, () => 1)).toBe(800);
  });

  it('never exceeds the cap, however many attempts failed', () => {
    expect(reconnectDelay(10, options, () => 1)).toBe(5_000);
    expect(reconnectDelay(10_000, options, () => 1)).toBe(5_000);
  });
});
