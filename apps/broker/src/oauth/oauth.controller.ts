import { Body, Controller, Get, Headers, Post, Query, Res } from '@nestjs/common';
import {
  ApiBadGatewayResponse,
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiServiceUnavailableResponse,
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
import { ServesProblemPage, wantsJson } from '../problems/problem-page.js';
import { CALLBACK_PAGE_HEADERS, CALLBACK_PROBLEM_PAGE, connectedPage } from './callback-page.js';
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
   * sipgate sends the browser here. Browsers get an HTML page, also for every failure (through
   * ServesProblemPage); clients asking for JSON get the connection, or the usual problem document.
   */
  @Get('oauth/callback')
  @Public()
  @ServesProblemPage(CALLBACK_PROBLEM_PAGE)
  @ApiOperation({ summary: 'OAuth2 redirect target: exchanges the code and stores the connection' })
  @ApiProduces('text/html', 'application/json')
  @ApiOkResponse({
    type: ConnectionResponseDto,
    description: 'JSON when `Accept: application/json`, else an HTML page',
  })
  @ApiBadRequestResponse({
    description: 'Unknown, used or expired state, or sipgate reported an error; nothing stored',
  })
  @ApiBadGatewayResponse({
    description:
      'sipgate did not confirm whose account it is; its new session was logged out, nothing stored',
  })
  @ApiServiceUnavailableResponse({
    description: 'sipgate could not be reached; any session it opened was logged out, nothing stored',
  })
  async oauthCallback(
    @Query() query: OAuthCallbackQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ConnectionView | string> {
    const connection = await this.oauth.complete(query);
    if (wantsJson(accept)) return connection;
    void reply.type('text/html; charset=utf-8').headers(CALLBACK_PAGE_HEADERS);
    return connectedPage(connection);
  }
}
