import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from './generated/client.js';

/**
 * The Prisma client over a pg pool the broker owns, so readiness checks, LISTEN/NOTIFY and pool
 * metrics see the same connections the queries use.
 */
export class PrismaService extends PrismaClient {
  constructor(readonly pool: pg.Pool) {
    super({ adapter: new PrismaPg(pool) });
  }

  static forUrl(databaseUrl: string, poolSize = 10): PrismaService {
    const pool = new pg.Pool({
      connectionString: databaseUrl,
      max: poolSize,
      connectionTimeoutMillis: 5_000,
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
