import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from './generated/client.js';

/** Well under the refresher's takeover grace (at least 10 s), so a write-back stuck on a dead connection is retried in time. */
export const STATEMENT_TIMEOUT_MS = 4_000;

/**
 * The Prisma client over a pg pool the broker owns, so readiness checks, LISTEN/NOTIFY and pool
 * metrics see the same connections the queries use.
 */
export class PrismaService extends PrismaClient {
  constructor(readonly pool: pg.Pool) {
    super({ adapter: new PrismaPg(pool) });
  }

  static forUrl(databaseUrl: string, poolSize = 10): PrismaService {
    // Every statement of the broker is short. Without these bounds a statement sent on a connection
    // whose peer silently vanished (a lost NAT entry: no RST, no FIN) waits forever; a refresher's
    // write-back would then never be retried and its lease would run out under it (lease-rule.ts).
    // query_timeout fails the call on the client, and the pool drops that connection; the server-side
    // timeouts end what the server is still running for it (and the row locks it holds).
    const pool = new pg.Pool({
      connectionString: databaseUrl,
      max: poolSize,
      connectionTimeoutMillis: 5_000,
      query_timeout: STATEMENT_TIMEOUT_MS,
      statement_timeout: STATEMENT_TIMEOUT_MS,
      idle_in_transaction_session_timeout: 2 * STATEMENT_TIMEOUT_MS,
      keepAlive: true,
    });
    // An idle client losing its server (Postgres restarting) must not crash the process; the pool
    // replaces it on the next checkout.
    pool.on('error', () => undefined);
    return new PrismaService(pool);
  }

  async close(): Promise<void> {
    await this.$disconnect();
    await this.pool.end();
  }
}
