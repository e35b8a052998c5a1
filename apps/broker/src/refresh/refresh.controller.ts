import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuditContext } from '../audit/audit-recorder.js';
import { Audited } from '../audit/audited.decorator.js';
import { RequireScope } from '../auth/require-scope.decorator.js';
import type { ConnectionView } from '../connections/connection.types.js';
import { ConnectionsService } from '../connections/connections.service.js';
import { ConnectionResponseDto } from '../connections/dto/connection-response.dto.js';
import { UUIDParamDto } from '../validation/uuid-param.dto.js';
import { TokenRefresher } from './token-refresher.service.js';

@ApiTags('connections')
@RequireScope('admin')
@Controller('v1/connections')
export class RefreshController {
  constructor(
    private readonly refresher: TokenRefresher,
    private readonly connections: ConnectionsService,
  ) {}

  @Post(':id/refresh')
  @HttpCode(200)
  @ApiOperation({ summary: 'Refresh the access token now (OAuth connections)' })
  @ApiOkResponse({ type: ConnectionResponseDto })
  async refreshConnection(
    @Param() { id }: UUIDParamDto,
    @Audited() audit: AuditContext,
  ): Promise<ConnectionView> {
    await this.refresher.refreshForAdmin(id, audit);
    return this.connections.get(id);
  }
}
