import { Injectable } from '@nestjs/common';
import { PrismaService, pendingMigrationNames } from '#libs/database';
import { SharedAnswer } from '../caching/shared-answer.js';

export interface Readiness {
  ready: boolean;
  checks: { database: 'up' | 'down'; migrations: 'applied' | 'pending' | 'unknown' };
}

/**
 * How old a readiness answer may be. Probes are public and may come from many places at once; one
 * check per second is plenty for a load balancer and still reports a lost database within about
 * a second of the first probe that notices.
 */
export const READINESS_MAX_AGE_MS = 1_000;

@Injectable()
export class ReadinessService {
  private readonly answer = new SharedAnswer(() => this.probe(), READINESS_MAX_AGE_MS);

  constructor(private readonly prisma: PrismaService) {}

  check(): Promise<Readiness> {
    return this.answer.get();
  }

  private async probe(): Promise<Readiness> {
    try {
      const pending = await pendingMigrationNames(this.prisma.pool);
      const migrations = pending.length ? 'pending' : 'applied';
      return { ready: !pending.length, checks: { database: 'up', migrations } };
    } catch {
      return { ready: false, checks: { database: 'down', migrations: 'unknown' } };
    }
  }
}
