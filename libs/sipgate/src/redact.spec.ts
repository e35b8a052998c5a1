import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { sanitizeDescription, sanitizeErrorCode } from './redact.js';

describe('sanitizeDescription', () => {
  it('keeps ordinary explanations', () => {
    expect(sanitizeDescription('Session not active', [])).toBe('Session not active');
  });

  it('redacts the secrets that were sent, even short ones', () => {
    expect(sanitizeDescription('bad secret s3cr3t!', ['s3cr3t!'])).toBe('bad secret [redacted]');
  });

  it('redacts token-like strings it was not told about', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ3MCJ9.c2lnbmF0dXJlLXZhbHVl';
    const uuid = randomUUID();
    expect(sanitizeDescription(`token ${jwt} / ${uuid}`, [])).toBe('token [redacted] / [redacted]');
  });

  it('strips control characters and caps the length', () => {
    expect(sanitizeDescription('line\r\nforged', [])).toBe('line forged');
    expect(sanitizeDescription('word '.repeat(100), [])!.length).toBeLessThanOrEqual(201);
  });

  it('drops anything that is not text', () => {
    expect(sanitizeDescription({ token: 'x' }, [])).toBeUndefined();
    expect(sanitizeDescription('   ', [])).toBeUndefined();
  });
});

describe('sanitizeErrorCode', () => {
  it('accepts OAuth error codes and drops everything else', () => {
    expect(sanitizeErrorCode('invalid_grant')).toBe('invalid_grant');
    expect(sanitizeErrorCode(`invalid ${randomUUID()}`)).toBeUndefined();
    expect(sanitizeErrorCode(42)).toBeUndefined();
  });
});
