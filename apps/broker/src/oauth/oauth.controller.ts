import { Body, Controller, Get, Headers, Post, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { AuditContext } from '../audit/audit-recorder.js';
import { Audited } from '../audit/audited.decorator.js';
import { Public } from '../auth/public.decorator.js';
import { RequireScope } from '../auth/require-scope.decorator.js';
import {
  OAuthCallbackQueryDto,
  OAuthConnectionCreateDto,
  OAuthStartResponseDto,
} from '../connections/dto/connection-requests.dto.js';
import { ConnectionResponseDto } from '../connections/dto/connection-response.dto.js';
import type { ConnectionView } from '../connections/connection.types.js';
import { DomainError } from '../problems/domain-error.js';
import { connectedPage, failedPage } from './callback-page.js';
import { OAuthService } from './oauth.service.js';

@ApiTags('connections')
@Controller('v1')
export class OAuthController {
  constructor(private readonly oauth: OAuthService) {}

  @Post('connections/oauth')
  @RequireScope('admin')
  @ApiOperation({ summary: 'Start connecting a sipgate account with OAuth2: returns the sipgate login URL' })
  @ApiCreatedResponse({ type: OAuthStartResponseDto })
  startOAuthConnection(
    @Body() body: OAuthConnectionCreateDto,
    @Audited() audit: AuditContext,
  ): Promise<OAuthStartResponseDto> {
    return this.oauth.start(body.label, body.scopes, audit);
  }

  /**
   * sipgate sends the browser here. Browsers get an HTML page (also for failures); clients asking
   * for JSON get the connection, or the usual problem document.
   */
  @Get('oauth/callback')
  @Public()
  @ApiOperation({ summary: 'OAuth2 redirect target: exchanges the code and stores the connection' })
  @ApiProduces('text/html', 'application/json')
  @ApiOkResponse({
    type: ConnectionResponseDto,
    description: 'JSON when `Accept: application/json`, else an HTML page',
  })
  @ApiBadRequestResponse({
    description: 'Unknown, used or expired state, or sipgate reported an error; nothing stored',
  })
  async oauthCallback(
    @Query() query: OAuthCallbackQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ConnectionView | string> {
    const wantsJson = /application\/(problem\+)?json/.test(accept ?? '') && !/text\/html/.test(accept ?? '');
    try {
      const connection = await this.oauth.complete(query);
      if (wantsJson) return connection;
      void reply.type('text/html; charset=utf-8');
      return connectedPage(connection);
    } catch (error) {
      if (wantsJson || !(error instanceof DomainError)) throw error;
      void reply.status(error.status).type('text/html; charset=utf-8');
      return failedPage(error.title, error.detail);
    }
  }
}
