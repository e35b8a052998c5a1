import { describe, expect, it } from '@jest/globals';
import { generateOAuthState, generatePkcePair, pkceChallengeS256 } from './oauth-pkce.js';

describe('PKCE and state', () => {
  it('computes the S256 challenge of RFC 7636 appendix B', () => {
    expect(pkceChallengeS256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  it('generates a verifier within the RFC 7636 alphabet and length, with a matching challenge', () => {
    const { verifier, challenge } = generatePkcePair();
    expect(verifier).toMatch(/^[A-Za-z0-9\-._~]{43,128}$/);
    expect(challenge).toBe(pkceChallengeS256(verifier));
    expect(generatePkcePair().verifier).not.toBe(verifier);
  });

  it('generates unguessable, URL-safe states', () => {
    const state = generateOAuthState();
    expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(generateOAuthState()).not.toBe(state);
  });
});
