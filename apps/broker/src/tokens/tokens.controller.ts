import { Controller, Get, Header, Param, Query } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { RequireScope } from '../auth/require-scope.decorator.js';
import { TokenRateLimit } from '../rate-limit/token-rate-limit.decorator.js';
import { UUIDParamDto } from '../validation/uuid-param.dto.js';
import { TokenQueryDto, TokenResponseDto } from './dto/token.dto.js';
import type { IssuedToken } from './issued-tokens.js';
import { TokensService } from './tokens.service.js';

@ApiTags('tokens')
@Controller('v1/connections')
export class TokensController {
  constructor(private readonly tokens: TokensService) {}

  @Get(':id/token')
  @RequireScope('tokens:read')
  @TokenRateLimit()
  // A token must never sit in a shared or browser cache.
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'A sipgate token for this connection, valid for at least `minValidity` seconds' })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiConflictResponse({ description: 'The connection needs to be authorized again (`reauth_required`)' })
  @ApiServiceUnavailableResponse({
    description: 'sipgate unreachable and no valid token left; see Retry-After',
  })
  getToken(
    @Param() { id }: UUIDParamDto,
    @Query() { minValidity }: TokenQueryDto,
  ): IssuedToken | Promise<IssuedToken> {
    return this.tokens.issue(id, minValidity);
  }
}
