import { UnauthorizedError } from '../problems/auth-errors.js';

/** Far above any real key (generated ones have 48 characters); bounds the work spent on garbage. */
export const MAX_API_KEY_LENGTH = 512;

// The scheme is case-insensitive (RFC 7235); the two character classes are disjoint, so no backtracking.
const BEARER = /^bearer +(\S+) *$/i;

/**
 * The API key from an `Authorization: Bearer <key>` header. Every failure is a 401 whose detail
 * describes the header's shape only: whatever was sent might be a secret, so it is never repeated.
 */
export function parseBearerKey(header: string | undefined): string {
  if (header === undefined || header.trim() === '') {
    throw new UnauthorizedError('An API key is required: send `Authorization: Bearer <api key>`.');
  }
  const key = header.length <= MAX_API_KEY_LENGTH + 16 ? BEARER.exec(header)?.[1] : undefined;
  if (key === undefined || key.length > MAX_API_KEY_LENGTH) {
    throw new UnauthorizedError(
      'The Authorization header is malformed: expected `Bearer <api key>`.',
      'invalid_request',
    );
  }
  return key;
}
