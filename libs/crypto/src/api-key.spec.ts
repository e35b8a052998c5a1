import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { API_KEY_PREFIX, apiKeyMatches, generateApiKey, hashApiKey } from './api-key.js';

describe('API keys', () => {
  it('are prefixed, URL-safe and carry 256 random bits', () => {
    const key = generateApiKey();
    expect(key.startsWith(API_KEY_PREFIX)).toBe(true);
    expect(key).toMatch(/^sgtb_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(key.slice(API_KEY_PREFIX.length), 'base64url')).toHaveLength(32);
    expect(generateApiKey()).not.toBe(key);
  });

  it('hash to the SHA-256 of the whole key', () => {
    const key = generateApiKey();
    expect(hashApiKey(key).equals(createHash('sha256').update(key).digest())).toBe(true);
    expect(hashApiKey(key)).toHaveLength(32);
  });

  it('match only their own hash', () => {
    const key = generateApiKey();
    const stored = hashApiKey(key);
    expect(apiKeyMatches(key, stored)).toBe(true);
    expect(apiKeyMatches(generateApiKey(), stored)).toBe(false);
    expect(apiKeyMatches('', stored)).toBe(false);
    expect(apiKeyMatches(key, stored.subarray(0, 16))).toBe(false);
  });
});
