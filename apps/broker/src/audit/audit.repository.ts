import { Injectable } from '@nestjs/common';
import { type AuditEvent, PrismaService } from '#libs/database';

export interface AuditFilter {
  targetId?: string;
  action?: string;
  limit: number;
  /** `seq` of the last row of the previous page (newest first). */
  before?: bigint;
}

/** Reads the trail; it is written by AuditRecorder, inside the transactions of the changes. */
@Injectable()
export class AuditRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Keyset paging on `seq`, newest first: stable while new events arrive, no OFFSET scans. */
  list({ targetId, action, limit, before }: AuditFilter): Promise<AuditEvent[]> {
    return this.prisma.auditEvent.findMany({
      where: { targetId, action, ...(before !== undefined && { seq: { lt: before } }) },
      orderBy: { seq: 'desc' },
      take: limit,
    });
  }
}
