import { describe, expect, it } from '@jest/globals';
import { UnauthorizedError } from '../problems/auth-errors.js';
import { MAX_API_KEY_LENGTH, parseBearerKey } from './bearer-header.js';

function failure(header: string | undefined): UnauthorizedError {
  try {
    parseBearerKey(header);
  } catch (error) {
    if (error instanceof UnauthorizedError) return error;
    throw error;
  }
  throw new Error('expected a 401');
}

describe('parseBearerKey', () => {
  it('returns the key of a Bearer header, whatever the case of the scheme', () => {
    expect(parseBearerKey('Bearer sgtb_abc-_123')).toBe('sgtb_abc-_123');
    expect(parseBearerKey('bearer sgtb_abc')).toBe('sgtb_abc');
    expect(parseBearerKey('BEARER  sgtb_abc ')).toBe('sgtb_abc');
  });

  it('asks for a key, without an error code, when there is none', () => {
    for (const header of [undefined, '', '   ']) {
      const error = failure(header);
      expect(error.detail).toMatch(/API key is required/);
      expect(error.headers['www-authenticate']).toBe('Bearer realm="sipgate-token-broker"');
    }
  });

  it.each([
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['the scheme alone', 'Bearer'],
    ['no space after the scheme', 'Bearersgtb_abc'],
    ['two tokens', 'Bearer sgtb_abc sgtb_def'],
    ['a key that is far too long', `Bearer ${'k'.repeat(MAX_API_KEY_LENGTH + 1)}`],
    ['a header that is far too long', `Bearer ${'k'.repeat(100_000)}`],
  ])('rejects %s as malformed with a fixed detail that repeats nothing of it', (_case, header) => {
    const error = failure(header);
    expect(error.status).toBe(401);
    expect(error.headers['www-authenticate']).toContain('error="invalid_request"');
    expect(error.detail).toBe('The Authorization header is malformed: expected `Bearer <api key>`.');
  });
});
