import type { Prisma } from '#libs/database';
import { CHANGE_CHANNEL, type ChangeKind, encodeNotice } from './change-notice.js';

/**
 * Queues a change notice inside a repository's transaction. Postgres delivers NOTIFYs only when the
 * transaction commits (and drops them on rollback), so no replica ever drops a cache entry for a
 * change that did not happen, and no committed change goes unannounced because the process died
 * between COMMIT and a separate publish.
 *
 * Replicas (this one included, through its listener) receive it a few milliseconds after the commit;
 * call `ChangeFeed.deliverLocally` after the transaction when this replica must see it at once.
 */
export async function notifyOnCommit(
  tx: Prisma.TransactionClient,
  kind: ChangeKind,
  id: string,
): Promise<void> {
  // $executeRaw, not $queryRaw: pg_notify returns `void`, a column type the driver adapter cannot read.
  await tx.$executeRaw`SELECT pg_notify(${CHANGE_CHANNEL}, ${encodeNotice({ kind, id })})`;
}
