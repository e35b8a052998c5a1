import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { AuditContext } from '../audit/audit-recorder.js';
import { Audited } from '../audit/audited.decorator.js';
import { RequireScope } from '../auth/require-scope.decorator.js';
import { ConnectService } from './connect.service.js';
import type { ConnectionView } from './connection.types.js';
import { ConnectionsService } from './connections.service.js';
import { UUIDParamDto } from '../validation/uuid-param.dto.js';
import {
  ConnectionListQueryDto,
  ConnectionRelabelDto,
  PatConnectionCreateDto,
} from './dto/connection-requests.dto.js';
import { ConnectionListResponseDto, ConnectionResponseDto } from './dto/connection-response.dto.js';

@ApiTags('connections')
@RequireScope('admin')
@Controller('v1/connections')
export class ConnectionsController {
  constructor(
    private readonly connections: ConnectionsService,
    private readonly connect: ConnectService,
  ) {}

  @Post('pat')
  @ApiOperation({
    summary: 'Connect a sipgate account with a Personal Access Token (verified at sipgate first)',
  })
  @ApiCreatedResponse({ type: ConnectionResponseDto })
  @ApiUnprocessableEntityResponse({ description: 'sipgate rejected the PAT; nothing was stored' })
  createPatConnection(
    @Body() body: PatConnectionCreateDto,
    @Audited() audit: AuditContext,
  ): Promise<ConnectionView> {
    return this.connect.connectPat(body.tokenId, body.token, body.label, audit);
  }

  @Get()
  @ApiOperation({ summary: 'List connections, oldest first, in pages' })
  @ApiOkResponse({ type: ConnectionListResponseDto })
  listConnections(@Query() query: ConnectionListQueryDto) {
    return this.connections.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Read a connection' })
  @ApiOkResponse({ type: ConnectionResponseDto })
  getConnection(@Param() { id }: UUIDParamDto): Promise<ConnectionView> {
    return this.connections.get(id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Relabel a connection' })
  @ApiOkResponse({ type: ConnectionResponseDto })
  relabelConnection(
    @Param() { id }: UUIDParamDto,
    @Body() { label }: ConnectionRelabelDto,
    @Audited() audit: AuditContext,
  ): Promise<ConnectionView> {
    return this.connections.relabel(id, label ?? null, audit);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Disconnect: erase the secrets and log the session out at sipgate (best effort)' })
  @ApiNoContentResponse()
  deleteConnection(@Param() { id }: UUIDParamDto, @Audited() audit: AuditContext): Promise<void> {
    return this.connections.disconnect(id, audit);
  }
}
