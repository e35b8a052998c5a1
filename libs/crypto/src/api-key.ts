import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Recognisable in logs, config files and secret scanners ("sipgate token broker"). */
export const API_KEY_PREFIX = 'sgtb_';

/** `sgtb_` + 256 random bits, base64url (no padding): 48 characters, safe in headers and URLs. */
export function generateApiKey(): string {
  return API_KEY_PREFIX + randomBytes(32).toString('base64url');
}

/**
 * The stored form of an API key. A plain SHA-256 is enough here: slow KDFs (bcrypt, scrypt, argon2) exist
 * to make guessing low-entropy passwords expensive, but these keys are 256 bits of randomness, so a leaked
 * hash cannot be brute-forced either way. A fast, deterministic hash also lets the key be looked up by its
 * hash with an index instead of trying every row. It runs on every authenticated request, so it is the
 * one-shot `crypto.hash`, about half the cost of a `createHash` object.
 */
export function hashApiKey(key: string): Buffer<ArrayBuffer> {
  return hash('sha256', key, 'buffer');
}

/**
 * Compares a presented key with a stored hash in constant time, for keys held in memory rather than
 * looked up by hash (e.g. the bootstrap admin key). Hashing first makes both sides equal length, so
 * timingSafeEqual never throws and the comparison leaks nothing about the key's length.
 */
export function apiKeyMatches(presentedKey: string, expectedHash: Uint8Array): boolean {
  const presentedHash = hashApiKey(presentedKey);
  return presentedHash.length === expectedHash.length && timingSafeEqual(presentedHash, expectedHash);
}
