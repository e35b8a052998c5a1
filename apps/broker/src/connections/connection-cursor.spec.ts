import { describe, expect, it } from '@jest/globals';
import { ValidationFailedError } from '../problems/domain-error.js';
import { decodeCursor, encodeCursor } from './connection-cursor.js';

describe('connection cursors', () => {
  it('round-trips a position', () => {
    const position = {
      createdAt: new Date('2026-11-28T10:00:00.123Z'),
      id: '0b5a2c1e-4f6d-4e8a-9b3c-2d1e0f9a8b7c',
    };
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
  });

  it.each([
    '',
    'not-base64-json',
    Buffer.from('[1,2,3]').toString('base64url'),
    Buffer.from('["x","y"]').toString('base64url'),
  ])('rejects %p as a validation problem', (cursor) => {
    expect(() => decodeCursor(cursor)).toThrow(ValidationFailedError);
  });
});
