import { describe, expect, it } from '@jest/globals';
import { ValidationFailedError } from '../problems/domain-error.js';
import { decodeAuditCursor, encodeAuditCursor } from './audit-cursor.js';

describe('audit cursors', () => {
  it('round-trip a position', () => {
    expect(decodeAuditCursor(encodeAuditCursor(9_007_199_254_740_993n))).toBe(9_007_199_254_740_993n);
  });

  it.each([
    '',
    'bm90LWEtY3Vyc29y',
    Buffer.from('a:-1').toString('base64url'),
    Buffer.from('a:1x').toString('base64url'),
  ])('rejects %p as a validation problem', (cursor) => {
    expect(() => decodeAuditCursor(cursor)).toThrow(ValidationFailedError);
  });
});
