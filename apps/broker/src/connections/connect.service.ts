import { Injectable, Logger } from '@nestjs/common';
import type { BrokerConfig } from '#libs/config';
import { ConnectionStatus, ConnectionType } from '#libs/database';
import type { AuditContext } from '../audit/audit-recorder.js';
import {
  SipgateApiClient,
  SipgateOAuthClient,
  SipgateUnauthorizedError,
  SipgateUnavailableError,
  type TokenSet,
} from '#libs/sipgate';
import { InjectConfig } from '../config/config.module.js';
import { refreshDueAt } from '../refresh/refresh-schedule.js';
import { ConnectionEvents } from './connection-events.js';
import type { OpenedSecret } from './connection-secrets.js';
import { PatRejectedError, SipgateUnavailableProblem } from './connection.errors.js';
import type { ConnectionView } from './connection.types.js';
import { ConnectionsRepository } from './connections.repository.js';

/**
 * Stores a connection once sipgate has vouched for it: the identity always comes from sipgate's
 * userinfo for the credential at hand, never from the caller.
 */
@Injectable()
export class ConnectService {
  private readonly logger = new Logger(ConnectService.name);

  constructor(
    @InjectConfig() private readonly config: BrokerConfig,
    private readonly connections: ConnectionsRepository,
    private readonly api: SipgateApiClient,
    private readonly oauth: SipgateOAuthClient,
    private readonly events: ConnectionEvents,
  ) {}

  async connectOAuth(
    tokens: TokenSet,
    label: string | undefined,
    requestedScopes: string[],
  ): Promise<ConnectionView> {
    const user = await this.api.userinfo(`Bearer ${tokens.accessToken}`);
    const now = Date.now();
    const accessTokenExpiresAt = new Date(now + tokens.expiresIn * 1000);
    const { view, replacedRefreshToken, previousStatus } = await this.connections.connect({
      type: ConnectionType.oauth,
      sipgateAccountId: user.masterSipId,
      sipgateUserId: user.sub,
      label,
      scopes: tokens.scopes.length ? tokens.scopes : requestedScopes,
      secret: tokens.accessToken,
      accessTokenExpiresAt,
      accessTokenLifetimeSeconds: tokens.expiresIn,
      refreshToken: tokens.refreshToken ?? null,
      refreshTokenExpiresAt: tokens.refreshExpiresIn ? new Date(now + tokens.refreshExpiresIn * 1000) : null,
      refreshDueAt: refreshDueAt(accessTokenExpiresAt, tokens.expiresIn, this.config.refresh.marginSeconds),
      // The callback is the browser's, not an admin's: the start of the login was recorded.
      audit: null,
    });
    this.announce(view.id, previousStatus);
    // The previous session of this user is replaced and would otherwise stay open at sipgate.
    if (replacedRefreshToken) this.logoutQuietly(view.id, replacedRefreshToken);
    return view;
  }

  async connectPat(
    tokenId: string,
    token: string,
    label: string | undefined,
    audit: AuditContext,
  ): Promise<ConnectionView> {
    const secret = `${tokenId}:${token}`;
    const user = await this.api
      .userinfo(`Basic ${Buffer.from(secret).toString('base64')}`)
      .catch((error: unknown) => {
        if (error instanceof SipgateUnauthorizedError) throw new PatRejectedError(tokenId);
        if (error instanceof SipgateUnavailableError) {
          throw new SipgateUnavailableProblem(
            'sipgate could not be reached to verify the PAT; nothing was stored.',
            5,
          );
        }
        throw error;
      });
    const { view, previousStatus } = await this.connections.connect({
      type: ConnectionType.pat,
      sipgateAccountId: user.masterSipId,
      sipgateUserId: user.sub,
      label,
      scopes: [],
      secret,
      accessTokenExpiresAt: null,
      accessTokenLifetimeSeconds: null,
      refreshToken: null,
      refreshTokenExpiresAt: null,
      refreshDueAt: null,
      audit,
    });
    this.announce(view.id, previousStatus);
    return view;
  }

  private announce(connectionId: string, previousStatus: ConnectionStatus | null): void {
    this.events.emit('connection.connected', connectionId);
    if (previousStatus === ConnectionStatus.reauth_required)
      this.events.emit('connection.recovered', connectionId);
  }

  logoutQuietly(connectionId: string, refreshToken: OpenedSecret): void {
    if ('unreadable' in refreshToken) {
      // Nothing to send: the session stays open at sipgate until its refresh token expires.
      this.logger.warn(
        { connectionId, err: refreshToken.unreadable.message },
        'the session cannot be logged out at sipgate: its refresh token cannot be decrypted',
      );
      return;
    }
    this.oauth.logout(refreshToken.plaintext).catch((error: unknown) => {
      this.logger.warn(
        { connectionId, err: error instanceof Error ? error.message : 'unknown' },
        'logout at sipgate failed',
      );
    });
  }
}
