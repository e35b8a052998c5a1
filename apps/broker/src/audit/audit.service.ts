import { Injectable } from '@nestjs/common';
import type { AuditEvent } from '#libs/database';
import { decodeAuditCursor, encodeAuditCursor } from './audit-cursor.js';
import { AuditRepository } from './audit.repository.js';
import type { AuditEventListQueryDto } from './dto/audit-event-query.dto.js';
import type { AuditEventListResponseDto, AuditEventResponseDto } from './dto/audit-event-response.dto.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function toResponse(row: AuditEvent): AuditEventResponseDto {
  return {
    id: row.id,
    occurredAt: row.occurredAt.toISOString(),
    actorKeyId: row.actorKeyId,
    action: row.action,
    targetType: row.targetType,
    targetId: row.targetId,
    requestId: row.requestId,
    statusCode: row.statusCode,
  };
}

@Injectable()
export class AuditService {
  constructor(private readonly audit: AuditRepository) {}

  async list(query: AuditEventListQueryDto): Promise<AuditEventListResponseDto> {
    const before = query.cursor === undefined ? undefined : decodeAuditCursor(query.cursor);
    // Target ids are stored lower-cased when they are UUIDs (see audit-actions.ts).
    const targetId =
      query.targetId && UUID.test(query.targetId) ? query.targetId.toLowerCase() : query.targetId;
    // One extra row tells whether another page exists without a COUNT.
    const rows = await this.audit.list({ targetId, action: query.action, limit: query.limit + 1, before });
    const items = rows.slice(0, query.limit);
    const last = items.at(-1);
    return {
      items: items.map(toResponse),
      nextCursor: rows.length > query.limit && last ? encodeAuditCursor(last.seq) : null,
    };
  }
}
