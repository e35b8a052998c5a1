import { Injectable } from '@nestjs/common';
import type { BrokerConfig } from '#libs/config';
import { generateOAuthState, generatePkcePair } from '#libs/crypto';
import type { AuditContext } from '../audit/audit-recorder.js';
import {
  SipgateGrantError,
  SipgateOAuthClient,
  SipgateRequestError,
  SipgateUnavailableError,
} from '#libs/sipgate';
import { InjectConfig } from '../config/config.module.js';
import { ConnectService } from '../connections/connect.service.js';
import { SipgateUnavailableProblem } from '../connections/connection.errors.js';
import type { ConnectionView } from '../connections/connection.types.js';
import { OAuthAttemptsRepository } from './oauth-attempts.repository.js';
import { InvalidOAuthStateError, SipgateAuthorizationDeniedError } from './oauth.errors.js';

/** Long enough to log in at sipgate, short enough that a leaked authorization URL soon goes stale. */
const ATTEMPT_TTL_MS = 10 * 60_000;

export interface CallbackParams {
  state: string;
  code?: string;
  error?: string;
}

@Injectable()
export class OAuthService {
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
    try {
      const tokens = await this.oauth.exchangeCode({
        code,
        redirectUri: this.config.http.oauthRedirectUri,
        codeVerifier: attempt.codeVerifier,
      });
      return await this.connect.connectOAuth(tokens, attempt.label, attempt.scopes);
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
}
