import { Injectable } from '@nestjs/common';
import { PrismaService } from '#libs/database';

export interface ConnectionCount {
  type: string;
  status: string;
  count: number;
}

/** The one query a scrape runs: a grouped count over a small table, no secrets read. */
@Injectable()
export class ConnectionCountsRepository {
  constructor(private readonly prisma: PrismaService) {}

  async countByTypeAndStatus(): Promise<ConnectionCount[]> {
    const { rows } = await this.prisma.pool.query<ConnectionCount>(
      'SELECT type::text AS type, status::text AS status, count(*)::int AS count FROM connections GROUP BY 1, 2',
    );
    return rows;
  }
}
