import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { DecryptionError, type EncryptionKeyring, SecretCipher } from '#libs/crypto';
import { KeyRotationRepository, type Rewrite, type SealedRow } from './key-rotation.repository.js';
import { takeoverDeadline } from '../refresh/lease-rule.js';
import { SECRET_TABLES, type SecretTable } from './secret-tables.js';

export interface RotationProgress {
  table: string;
  /** Rows under an old key when the table's pass began. */
  pending: number;
  reEncrypted: number;
  /** Left for a later pass: being refreshed, or changed between read and write. */
  skipped: number;
  unreadable: number;
}

export interface TableReport extends RotationProgress {
  /** Rows still holding a value under another key afterwards (unreadable ones included). */
  remaining: number;
  /** Rows whose value no key in the keyring opens, with the reason (never the value). */
  unreadableRows: { id: string; reason: string }[];
}

export interface RotationReport {
  primaryKeyId: string;
  tables: TableReport[];
  /** True when every secret is under the primary key: the other keys can be removed. */
  complete: boolean;
}

export interface RotationOptions {
  databaseUrl: string;
  /** The keyring as the broker loads it: the first key is the one to re-encrypt under. */
  keyring: EncryptionKeyring;
  /**
   * The brokers' takeover grace, their lease length (leaseMsFor): until the rotation has run this
   * long, it leaves every leased row alone, expired lease or not (secret-tables.ts).
   */
  takeoverGraceMs: number;
  batchSize?: number;
  /** Passes over a table while rows are skipped because they are busy or changed. */
  maxPasses?: number;
  passDelayMs?: number;
  onProgress?: (progress: RotationProgress) => void;
  /** Test seam: runs after a batch was read and re-sealed, before it is written. */
  beforeWrite?: (table: string, ids: string[]) => Promise<void>;
}

/**
 * Re-encrypts every stored secret under the keyring's primary key, online: in batches, each row
 * written by compare-and-swap on its old ciphertexts (see KeyRotationRepository), so brokers keep
 * running and nothing they write meanwhile is overwritten. Resumable: only values under another key
 * are read, so a second run continues where the first stopped, and a finished one finds nothing.
 * The plaintext never changes, so no version or cache is touched; it exists only in this process's
 * memory between decrypt and encrypt.
 */
export async function rotateKeys(options: RotationOptions): Promise<RotationReport> {
  const startedAt = performance.now();
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 2 });
  pool.on('error', () => undefined); // an idle client dropped by the server is replaced on checkout
  try {
    const clock = await rotationClock(pool, startedAt, options.takeoverGraceMs);
    const repository = new KeyRotationRepository(pool);
    const tables: TableReport[] = [];
    for (const table of SECRET_TABLES) tables.push(await rotateTable(repository, table, options, clock));
    const complete = tables.every((table) => table.remaining === 0);
    return { primaryKeyId: options.keyring.primaryKeyId, tables, complete };
  } finally {
    await pool.end();
  }
}

async function rotateTable(
  repository: KeyRotationRepository,
  table: SecretTable,
  options: RotationOptions,
  clock: RotationClock,
): Promise<TableReport> {
  const { keyring } = options;
  const cipher = new SecretCipher(keyring);
  const batchSize = options.batchSize ?? 200;
  const maxPasses = options.maxPasses ?? 5;
  const unreadable = new Map<string, string>();
  const progress: RotationProgress = {
    table: table.table,
    pending: await repository.countPending(table, keyring.primaryKeyId),
    reEncrypted: 0,
    skipped: 0,
    unreadable: 0,
  };
  options.onProgress?.({ ...progress });
  for (let pass = 1; pass <= maxPasses; pass++) {
    let skippedThisPass = 0;
    let afterId: string | null = null;
    for (;;) {
      const rows = await repository.nextBatch(table, keyring.primaryKeyId, afterId, batchSize);
      if (rows.length === 0) break;
      afterId = rows.at(-1)!.id;
      const rewrites: Rewrite[] = [];
      for (const row of rows) {
        if (unreadable.has(row.id)) continue;
        const rewrite = reseal(cipher, table, row);
        if ('reason' in rewrite) unreadable.set(row.id, rewrite.reason);
        else rewrites.push(rewrite);
      }
      await options.beforeWrite?.(
        table.table,
        rewrites.map((r) => r.id),
      );
      const written = await repository.compareAndSwap(table, rewrites, clock.takeoverUntil());
      progress.reEncrypted += written.size;
      skippedThisPass += rewrites.length - written.size;
      progress.skipped += rewrites.length - written.size;
      progress.unreadable = unreadable.size;
      options.onProgress?.({ ...progress });
      if (rows.length < batchSize) break;
    }
    // Skipped rows are mostly being refreshed right now; give the leases a moment before looking again.
    if (skippedThisPass === 0 || pass === maxPasses) break;
    // The last pass waits out the takeover grace, so that a lease a crashed broker left behind counts
    // as abandoned by then and a run with no broker around (none to take such rows over) finishes.
    const passDelayMs = options.passDelayMs ?? 2_000;
    await sleep(pass === maxPasses - 1 ? Math.max(passDelayMs, clock.graceLeftMs()) : passDelayMs);
  }
  return {
    ...progress,
    remaining: await repository.countPending(table, keyring.primaryKeyId),
    unreadableRows: [...unreadable].map(([id, reason]) => ({ id, reason })),
  };
}

/** The row's values re-sealed under the primary key (values already under it are kept as they are). */
function reseal(cipher: SecretCipher, table: SecretTable, row: SealedRow): Rewrite | { reason: string } {
  try {
    const resealed = row.values.map((value, i) => {
      if (value === null || isUnderPrimary(cipher, value)) return value;
      const aad = table.columns[i]!.aad(row.id);
      return cipher.encrypt(cipher.decrypt(value, aad), aad);
    });
    return { id: row.id, old: row.values, new: resealed };
  } catch (error) {
    if (error instanceof DecryptionError) return { reason: error.message };
    throw error;
  }
}

function isUnderPrimary(cipher: SecretCipher, value: Buffer): boolean {
  try {
    return cipher.isEncryptedWithPrimary(value);
  } catch {
    return false; // malformed: decrypt reports why
  }
}

/** The lease rule's takeover grace for this run (lease-rule.ts): it counts from the run's start. */
interface RotationClock {
  takeoverUntil(): Date | null;
  graceLeftMs(): number;
}

async function rotationClock(pool: pg.Pool, startedAt: number, graceMs: number): Promise<RotationClock> {
  const { rows } = await pool.query<{ now: Date }>('SELECT clock_timestamp() AS now');
  const offsetMs = rows[0]!.now.getTime() - Date.now();
  return {
    takeoverUntil: () => (performance.now() - startedAt >= graceMs ? takeoverDeadline(offsetMs) : null),
    graceLeftMs: () => Math.max(0, startedAt + graceMs - performance.now()),
  };
}
