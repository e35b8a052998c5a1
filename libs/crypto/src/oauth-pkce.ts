import { createHash, randomBytes } from 'node:crypto';

export interface PkcePair {
  /** Sent only to the token endpoint, never in the browser redirect. */
  verifier: string;
  /** BASE64URL(SHA256(verifier)), sent in the authorization URL with code_challenge_method=S256. */
  challenge: string;
}

/** An unguessable OAuth `state` (256 bits, base64url) tying the callback to the flow the broker started. */
export function generateOAuthState(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * RFC 7636: 32 random octets base64url-encoded give a 43-character verifier, the minimum length the RFC
 * allows and exactly the 256 bits of entropy it recommends.
 */
export function generatePkcePair(): PkcePair {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: pkceChallengeS256(verifier) };
}

export function pkceChallengeS256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}
