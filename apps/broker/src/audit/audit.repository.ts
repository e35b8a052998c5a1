import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { type AuditEvent, PrismaService } from '#libs/database';
import type { AdminAction } from './audit-actions.js';

export interface AuditRecord extends AdminAction {
  actorKeyId: string;
  requestId: string;
  statusCode: number;
}

export interface AuditFilter {
  targetId?: string;
  action?: string;
  limit: number;
  /** `seq` of the last row of the previous page (newest first). */
  before?: bigint;
}

@Injectable()
export class AuditRepository {
  constructor(private readonly prisma: PrismaService) {}

  async record(entry: AuditRecord): Promise<void> {
    await this.prisma.auditEvent.create({ data: { id: randomUUID(), ...entry } });
  }

  /** Keyset paging on `seq`, newest first: stable while new events arrive, no OFFSET scans. */
  list({ targetId, action, limit, before }: AuditFilter): Promise<AuditEvent[]> {
    return this.prisma.auditEvent.findMany({
      where: { targetId, action, ...(before !== undefined && { seq: { lt: before } }) },
      orderBy: { seq: 'desc' },
      take: limit,
    });
  }
}
