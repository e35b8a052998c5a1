import { describe, expect, it } from '@jest/globals';
import { ReauthRequiredError } from '../connections/connection.errors.js';
import type { UsableCredential } from '../connections/connection.types.js';
import { IssuedTokens } from './issued-tokens.js';

const NOW = Date.parse('2026-11-28T12:00:00.000Z');
const oauth = (overrides: Partial<UsableCredential> = {}): UsableCredential => ({
  connectionId: 'c1',
  type: 'oauth',
  status: 'active',
  secret: 'access-token',
  expiresAt: new Date(NOW + 300_000),
  lifetimeSeconds: 300,
  version: 1,
  retryNotBefore: null,
  ...overrides,
});

describe('IssuedTokens', () => {
  it('presents an OAuth token with whole seconds left, frozen', () => {
    const token = new IssuedTokens().of(oauth(), NOW + 500);
    expect(token).toEqual({
      connectionId: 'c1',
      tokenType: 'Bearer',
      accessToken: 'access-token',
      authorizationHeader: 'Bearer access-token',
      expiresAt: new Date(NOW + 300_000),
      expiresIn: 299,
    });
    expect(Object.isFrozen(token)).toBe(true);
  });

  it('presents a PAT as HTTP Basic that never expires', () => {
    const token = new IssuedTokens().of(oauth({ type: 'pat', secret: 'id:secret', expiresAt: null }), NOW);
    expect(token).toMatchObject({ tokenType: 'Basic', accessToken: 'aWQ6c2VjcmV0', expiresIn: null });
    expect(token.authorizationHeader).toBe('Basic aWQ6c2VjcmV0');
  });

  it('gives the same answer within a second, a new one when expiresIn changes or the credential is replaced', () => {
    const issued = new IssuedTokens();
    const credential = oauth();
    const first = issued.of(credential, NOW + 1);
    expect(issued.of(credential, NOW + 999)).toBe(first); // 299.999 and 299.001 seconds left
    const later = issued.of(credential, NOW + 1_001);
    expect(later).not.toBe(first);
    expect(later.expiresIn).toBe(298);
    const refreshed = oauth({ secret: 'new-access-token', version: 2 });
    expect(issued.of(refreshed, NOW + 1_001).accessToken).toBe('new-access-token');
  });

  it('never presents 0 seconds as negative, and refuses a connection that needs re-authorization', () => {
    const issued = new IssuedTokens();
    expect(issued.of(oauth({ expiresAt: new Date(NOW - 5_000) }), NOW).expiresIn).toBe(0);
    expect(() => issued.of(oauth({ status: 'reauth_required' }), NOW)).toThrow(ReauthRequiredError);
  });
});
