import { describe, expect, it } from '@jest/globals';
import { SipgateResponseError } from './errors.js';
import { parseTokenSet } from './token-set.js';

const base = { access_token: 'at', token_type: 'Bearer', expires_in: 300 };
const parse = (body: unknown) =>
  parseTokenSet({ status: 200, body: JSON.stringify(body), retryAfter: undefined });

describe('parseTokenSet', () => {
  it('needs only access_token, token_type and expires_in', () => {
    expect(parse(base)).toEqual({
      accessToken: 'at',
      refreshToken: undefined,
      expiresIn: 300,
      refreshExpiresIn: undefined,
      scopes: [],
      tokenType: 'Bearer',
    });
  });

  it('accepts lifetimes sent as digit strings', () => {
    expect(parse({ ...base, expires_in: '300', refresh_expires_in: '1800' })).toMatchObject({
      expiresIn: 300,
      refreshExpiresIn: 1800,
    });
  });

  it('reads refresh_expires_in 0 (Keycloak offline token) as no time limit, not as expired', () => {
    expect(parse({ ...base, refresh_token: 'rt', refresh_expires_in: 0 }).refreshExpiresIn).toBeUndefined();
  });

  it('spells a lower-case token type the way Authorization headers expect', () => {
    expect(parse({ ...base, token_type: 'bearer' }).tokenType).toBe('Bearer');
  });

  it.each([
    ['access_token is missing', { ...base, access_token: '' }],
    ['token_type is missing', { ...base, token_type: undefined }],
    ['expires_in is not a positive number', { ...base, expires_in: undefined }],
    ['expires_in is not a positive number', { ...base, expires_in: 0 }],
    ['expires_in is not a positive number', { ...base, expires_in: -1 }],
    ['refresh_expires_in is not a number', { ...base, refresh_expires_in: 'never' }],
    ['refresh_token is not a non-empty string', { ...base, refresh_token: 42 }],
    ['scope is not a string', { ...base, scope: ['all'] }],
    ['body is not a JSON object', ['at']],
  ])('rejects a response where %s', (problem, body) => {
    expect(() => parse(body)).toThrow(SipgateResponseError);
    expect(() => parse(body)).toThrow(problem);
  });
});
