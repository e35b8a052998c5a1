import { Injectable, Logger } from '@nestjs/common';
import type { BrokerConfig } from '#libs/config';
import { generateOAuthState, generatePkcePair } from '#libs/crypto';
import type { AuditContext } from '../audit/audit-recorder.js';
import {
  SipgateError,
  SipgateGrantError,
  SipgateOAuthClient,
  SipgateRequestError,
  SipgateUnavailableError,
  type TokenSet,
} from '#libs/sipgate';
import { InjectConfig } from '../config/config.module.js';
import { ConnectService } from '../connections/connect.service.js';
import { SipgateUnavailableProblem } from '../connections/connection.errors.js';
import type { ConnectionView } from '../connections/connection.types.js';
import { OAuthAttemptsRepository } from './oauth-attempts.repository.js';
import {
  InvalidOAuthStateError,
  SipgateAuthorizationDeniedError,
  SipgateIdentityUnconfirmedError,
} from './oauth.errors.js';

/** Long enough to log in at sipgate, short enough that a leaked authorization URL soon goes stale. */
const ATTEMPT_TTL_MS = 10 * 60_000;

export interface CallbackParams {
  state: string;
  code?: string;
  error?: string;
}

@Injectable()
export class OAuthService {
  private readonly logger = new Logger(OAuthService.name);

  constructor(
    @InjectConfig() private readonly config: BrokerConfig,
    private readonly attempts: OAuthAttemptsRepository,
    private readonly oauth: SipgateOAuthClient,
    private readonly connect: ConnectService,
  ) {}

  async start(
    label: string | undefined,
    scopes: string[] | undefined,
    audit: AuditContext,
  ): Promise<{ authorizationUrl: string; expiresAt: Date }> {
    const state = generateOAuthState();
    const pkce = generatePkcePair();
    const expiresAt = new Date(Date.now() + ATTEMPT_TTL_MS);
    const requested = scopes?.length ? scopes : this.config.sipgate.defaultScopes;
    await this.attempts.create(
      { state, codeVerifier: pkce.verifier, label, scopes: requested, expiresAt },
      audit,
    );
    const authorizationUrl = this.oauth.authorizationUrl({
      redirectUri: this.config.http.oauthRedirectUri,
      scopes: requested,
      state,
      codeChallenge: pkce.challenge,
    });
    return { authorizationUrl, expiresAt };
  }

  /** The attempt is consumed first, whatever follows: a `state` never works twice. */
  async complete({ state, code, error }: CallbackParams): Promise<ConnectionView> {
    const attempt = await this.attempts.consume(state);
    if (!attempt)
      throw new InvalidOAuthStateError('This login attempt is unknown or was already used; start a new one.');
    if (attempt.expired) throw new InvalidOAuthStateError('This login attempt has expired; start a new one.');
    if (error) throw new SipgateAuthorizationDeniedError(`sipgate answered the login with error "${error}".`);
    if (!code) throw new SipgateAuthorizationDeniedError('sipgate returned neither a code nor an error.');
    const tokens = await this.exchange(code, attempt.codeVerifier);
    try {
      return await this.connect.connectOAuth(tokens, attempt.label, attempt.scopes);
    } catch (failure) {
      // The exchange opened a session at sipgate that nothing would ever refresh or end once these
      // tokens are dropped. Awaited, so the session is over before the caller hears that the login
      // failed. Should the write have committed after all (its answer lost), the connection turns
      // reauth_required on its first refresh: the caller, told to start again, reconnects it.
      await this.logOutOrphan(tokens);
      throw connectFailure(failure);
    }
  }

  private async exchange(code: string, codeVerifier: string): Promise<TokenSet> {
    try {
      return await this.oauth.exchangeCode({
        code,
        redirectUri: this.config.http.oauthRedirectUri,
        codeVerifier,
      });
    } catch (failure) {
      if (failure instanceof SipgateUnavailableError) {
        throw new SipgateUnavailableProblem(
          'sipgate could not be reached to complete the login; start again.',
          5,
        );
      }
      if (failure instanceof SipgateGrantError || failure instanceof SipgateRequestError) {
        throw new SipgateAuthorizationDeniedError(
          `sipgate refused the authorization code (${failure.message}).`,
        );
      }
      throw failure;
    }
  }

  private async logOutOrphan(tokens: TokenSet): Promise<void> {
    // Without a refresh token there is no session to end; the access token expires within minutes.
    if (!tokens.refreshToken) return;
    await this.oauth.logout(tokens.refreshToken).catch((error: unknown) => {
      this.logger.warn(
        { err: error instanceof Error ? error.message : 'unknown' },
        'logging out the sipgate session of a failed OAuth connect failed',
      );
    });
  }
}

/** What the caller hears when the tokens could not become a connection (after their session ended). */
function connectFailure(failure: unknown): unknown {
  if (failure instanceof SipgateUnavailableError) {
    return new SipgateUnavailableProblem(
      'sipgate could not be reached to confirm the account; the login was ended, start again.',
      5,
    );
  }
  if (failure instanceof SipgateError) {
    return new SipgateIdentityUnconfirmedError(
      `sipgate did not confirm whose account this is (${failure.message}); the login was ended, start again.`,
    );
  }
  // A database failure: the global filter logs it with the request id and answers 500.
  return failure;
}
