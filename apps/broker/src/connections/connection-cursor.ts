import { ValidationFailedError } from '../problems/domain-error.js';

export interface CursorPosition {
  createdAt: Date;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Opaque to clients: base64url of the last row's (createdAt, id), the keyset paging position. */
export function encodeCursor({ createdAt, id }: CursorPosition): string {
  return Buffer.from(JSON.stringify([createdAt.toISOString(), id])).toString('base64url');
}

export function decodeCursor(cursor: string): CursorPosition {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2) {
      const [at, id] = parsed as unknown[];
      const createdAt = new Date(String(at));
      if (typeof id === 'string' && UUID.test(id) && !Number.isNaN(createdAt.getTime()))
        return { createdAt, id };
    }
  } catch {
    // reported below
  }
  throw new ValidationFailedError([{ field: 'cursor', message: 'cursor is not a value this API returned' }]);
}
