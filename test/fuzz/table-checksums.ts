import pg from 'pg';

/**
 * One checksum per table, over every row as Postgres renders it in text: comparing them before and
 * after a request shows whether it changed anything, without holding a whole dump per case.
 */
export async function tableChecksums(client: pg.Client): Promise<Record<string, string>> {
  const { rows: tables } = await client.query<{ name: string }>(
    `SELECT quote_ident(table_name) AS name FROM information_schema.tables
      WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`,
  );
  const union = tables
    .map(
      ({ name }) =>
        `SELECT '${name}' AS name, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS sum FROM ${name} t`,
    )
    .join(' UNION ALL ');
  const { rows } = await client.query<{ name: string; sum: string }>(union);
  return Object.fromEntries(rows.map((row) => [row.name, row.sum]));
}

export function changedTables(before: Record<string, string>, after: Record<string, string>): string[] {
  return Object.keys({ ...before, ...after }).filter((name) => before[name] !== after[name]);
}
