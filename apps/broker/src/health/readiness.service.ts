import { Injectable } from '@nestjs/common';
import { PrismaService, pendingMigrationNames } from '#libs/database';

export interface Readiness {
  ready: boolean;
  checks: { database: 'up' | 'down'; migrations: 'applied' | 'pending' | 'unknown' };
}

@Injectable()
export class ReadinessService {
  constructor(private readonly prisma: PrismaService) {}

  async check(): Promise<Readiness> {
    try {
      const pending = await pendingMigrationNames(this.prisma.pool);
      const migrations = pending.length ? 'pending' : 'applied';
      return { ready: !pending.length, checks: { database: 'up', migrations } };
    } catch {
      return { ready: false, checks: { database: 'down', migrations: 'unknown' } };
    }
  }
}
