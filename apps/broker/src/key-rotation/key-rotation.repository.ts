import type pg from 'pg';
import type { SecretTable } from './secret-tables.js';

export interface SealedRow {
  id: string;
  /** Per column of the table, in order; null where the column is empty. */
  values: (Buffer | null)[];
}

export interface Rewrite {
  id: string;
  old: (Buffer | null)[];
  new: (Buffer | null)[];
}

/**
 * "Not sealed under the primary key", read from the envelope header in SQL (see libs/crypto
 * envelope.ts: byte 1 is the key id's length, the id follows from byte 2), so only rows that need
 * work are read and counted. A value too short to have a header is selected too and reported as
 * unreadable by the cipher.
 */
function notUnder(column: string, keyParam: string): string {
  return `(${column} IS NOT NULL AND CASE WHEN octet_length(${column}) >= 2
            THEN substring(${column} FROM 3 FOR get_byte(${column}, 1)) <> ${keyParam}
            ELSE true END)`;
}

function needsRotation(table: SecretTable, keyParam: string): string {
  return table.columns.map((column) => notUnder(column.name, keyParam)).join(' OR ');
}

/**
 * The rotation's queries, on a plain pg pool (the command runs without Nest). Table and column names
 * come from SECRET_TABLES, never from input.
 */
export class KeyRotationRepository {
  constructor(private readonly pool: pg.Pool) {}

  async countPending(table: SecretTable, primaryKeyId: string): Promise<number> {
    const { rows } = await this.pool.query<{ count: string }>(
      `SELECT count(*) AS count FROM ${table.table} WHERE ${needsRotation(table, '$1')}`,
      [Buffer.from(primaryKeyId, 'ascii')],
    );
    return Number(rows[0]?.count ?? 0);
  }

  /** The next rows after `afterId` (keyset on the primary key) holding a value under another key. */
  async nextBatch(
    table: SecretTable,
    primaryKeyId: string,
    afterId: string | null,
    limit: number,
  ): Promise<SealedRow[]> {
    const columns = table.columns.map((column) => column.name);
    const { rows } = await this.pool.query<Record<string, Buffer | null> & { id: string }>(
      `SELECT id, ${columns.join(', ')} FROM ${table.table}
        WHERE ($2::uuid IS NULL OR id > $2::uuid) AND (${needsRotation(table, '$1')})
        ORDER BY id LIMIT $3`,
      [Buffer.from(primaryKeyId, 'ascii'), afterId, limit],
    );
    return rows.map((row) => ({ id: row.id, values: columns.map((column) => row[column] ?? null) }));
  }

  /**
   * Writes the re-sealed values in one statement, each row by compare-and-swap on every secret
   * column: a row whose ciphertext changed since it was read (a refresh stored new tokens, a
   * reconnect, a delete) is left alone, since its new value was sealed under the primary key
   * of whoever wrote it and the value read here is stale. Rows that are busy are left alone as well
   * (`takeoverUntil`: see SecretTable.busyWhen). Returns the ids written.
   */
  async compareAndSwap(
    table: SecretTable,
    rewrites: Rewrite[],
    takeoverUntil: Date | null,
  ): Promise<Set<string>> {
    if (rewrites.length === 0) return new Set();
    const n = table.columns.length;
    const arrays = [`$1::uuid[]`];
    const values: unknown[] = [rewrites.map((r) => r.id)];
    table.columns.forEach((_, i) => {
      values.push(
        rewrites.map((r) => r.old[i] ?? null),
        rewrites.map((r) => r.new[i] ?? null),
      );
      arrays.push(`$${2 + 2 * i}::bytea[]`, `$${3 + 2 * i}::bytea[]`);
    });
    const aliases = ['id', ...Array.from({ length: n }, (_, i) => [`old${i}`, `new${i}`]).flat()];
    const sets = table.columns.map((column, i) => `${column.name} = v.new${i}`).join(', ');
    const matches = table.columns.map((column, i) => `t.${column.name} IS NOT DISTINCT FROM v.old${i}`);
    const notBusy = table.busyWhen ? [`NOT (${table.busyWhen('t', takeoverUntil)})`] : [];
    const { rows } = await this.pool.query<{ id: string }>(
      `UPDATE ${table.table} t SET ${sets}
         FROM unnest(${arrays.join(', ')}) AS v(${aliases.join(', ')})
        WHERE t.id = v.id AND ${[...matches, ...notBusy].join(' AND ')}
        RETURNING t.id`,
      values,
    );
    return new Set(rows.map((row) => row.id));
  }
}
