import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { AuditContext } from '../audit/audit-recorder.js';
import { Audited } from '../audit/audited.decorator.js';
import { RequireScope } from '../auth/require-scope.decorator.js';
import { UUIDParamDto } from '../validation/uuid-param.dto.js';
import { ApiKeysService } from './api-keys.service.js';
import { ApiKeyCreateDto } from './dto/api-key-create.dto.js';
import { ApiKeyCreatedDto, ApiKeyListDto } from './dto/api-key-response.dto.js';

@ApiTags('api-keys')
@RequireScope('admin')
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post()
  @ApiOperation({ summary: 'Create an API key; the key itself is shown only in this response' })
  @ApiCreatedResponse({
    type: ApiKeyCreatedDto,
    description: 'The new key; store `key` now, it is never shown again',
  })
  @ApiBadRequestResponse({ description: 'Invalid name, scopes or connection ids; nothing was stored' })
  createApiKey(@Body() dto: ApiKeyCreateDto, @Audited() audit: AuditContext): Promise<ApiKeyCreatedDto> {
    return this.apiKeys.create(dto, audit);
  }

  @Get()
  @ApiOperation({ summary: 'List API keys, revoked ones included (never the key itself)' })
  @ApiOkResponse({ type: ApiKeyListDto, description: 'Every API key, without the keys themselves' })
  listApiKeys(): Promise<ApiKeyListDto> {
    return this.apiKeys.list();
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke an API key; every replica rejects it within 2 seconds' })
  @ApiNoContentResponse({ description: 'Revoked (also when it already was)' })
  @ApiNotFoundResponse({ description: 'No API key has this id' })
  revokeApiKey(@Param() { id }: UUIDParamDto, @Audited() audit: AuditContext): Promise<void> {
    return this.apiKeys.revoke(id, audit);
  }
}
