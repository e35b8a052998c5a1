import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/require-scope.decorator.js';
import { AuditService } from './audit.service.js';
import { AuditEventListQueryDto } from './dto/audit-event-query.dto.js';
import { AuditEventListResponseDto } from './dto/audit-event-response.dto.js';

@ApiTags('audit')
@RequireScope('admin', { connectionParam: null })
@Controller('v1/audit-events')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({ summary: 'The audit trail of admin actions, newest first, in pages' })
  @ApiOkResponse({ type: AuditEventListResponseDto })
  listAuditEvents(@Query() query: AuditEventListQueryDto): Promise<AuditEventListResponseDto> {
    return this.audit.list(query);
  }
}
