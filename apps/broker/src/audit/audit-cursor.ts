import { ValidationFailedError } from '../problems/domain-error.js';

/** Opaque to clients: base64url of the last row's `seq`, the keyset paging position. */
export function encodeAuditCursor(seq: bigint): string {
  return Buffer.from(`a:${seq}`).toString('base64url');
}

export function decodeAuditCursor(cursor: string): bigint {
  const match = /^a:(\d{1,19})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (match) return BigInt(match[1]!);
  throw new ValidationFailedError([{ field: 'cursor', message: 'cursor is not a value this API returned' }]);
}
