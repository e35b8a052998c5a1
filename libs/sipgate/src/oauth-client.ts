import { HttpTransport, type HttpOptions, type RawResponse } from './http-transport.js';
import { failureFromResponse } from './response-failure.js';
import { parseTokenSet, type TokenSet } from './token-set.js';

export interface SipgateOAuthClientOptions extends HttpOptions {
  /** e.g. https://login.sipgate.com */
  loginUrl: string;
  /** Keycloak realm, e.g. third-party or sipgate-apps. */
  realm: string;
  clientId: string;
  clientSecret: string;
}

export interface AuthorizationUrlParams {
  redirectUri: string;
  scopes: readonly string[];
  state: string;
  /** S256 challenge of the verifier later passed to exchangeCode. */
  codeChallenge: string;
}

export interface CodeExchange {
  code: string;
  redirectUri: string;
  codeVerifier: string;
}

/**
 * sipgate's OAuth endpoints (Keycloak, OpenID Connect). Client credentials always travel in the form
 * body, never in a URL, and every failure is one of the classified errors in errors.ts.
 */
export class SipgateOAuthClient {
  readonly #clientSecret: string;
  private readonly clientId: string;
  private readonly endpointBase: string;
  private readonly http: HttpTransport;

  constructor(options: SipgateOAuthClientOptions) {
    this.#clientSecret = options.clientSecret;
    this.clientId = options.clientId;
    const loginUrl = options.loginUrl.replace(/\/+$/, '');
    this.endpointBase = `${loginUrl}/auth/realms/${encodeURIComponent(options.realm)}/protocol/openid-connect`;
    this.http = new HttpTransport(options);
  }

  /** Where to send the admin's browser. Contains only public values: client id, challenge, state. */
  authorizationUrl(params: AuthorizationUrlParams): string {
    const url = new URL(`${this.endpointBase}/auth`);
    url.search = new URLSearchParams({
      client_id: this.clientId,
      redirect_uri: params.redirectUri,
      scope: params.scopes.join(' '),
      response_type: 'code',
      state: params.state,
      code_challenge: params.codeChallenge,
      code_challenge_method: 'S256',
    }).toString();
    return url.toString();
  }

  async exchangeCode({ code, redirectUri, codeVerifier }: CodeExchange): Promise<TokenSet> {
    const form = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      code_verifier: codeVerifier,
    };
    return parseTokenSet(await this.post('token', form, [code, codeVerifier]));
  }

  /** The response may carry a new refresh token; sipgate then invalidates the one passed in. */
  async refresh(refreshToken: string): Promise<TokenSet> {
    const form = { grant_type: 'refresh_token', refresh_token: refreshToken };
    return parseTokenSet(await this.post('token', form, [refreshToken]));
  }

  /** Ends the sipgate session behind the refresh token. Callers treat failures as best effort. */
  async logout(refreshToken: string): Promise<void> {
    await this.post('logout', { refresh_token: refreshToken }, [refreshToken]);
  }

  close(): void {
    this.http.close();
  }

  /** Sends a client-authenticated form and returns the 2xx response; anything else throws classified. */
  private async post(
    endpoint: 'token' | 'logout',
    fields: Record<string, string>,
    secrets: readonly string[],
  ): Promise<RawResponse> {
    const data = new URLSearchParams({
      client_id: this.clientId,
      client_secret: this.#clientSecret,
      ...fields,
    });
    const response = await this.http.send(endpoint, {
      method: 'POST',
      url: `${this.endpointBase}/${endpoint}`,
      data,
    });
    if (response.status >= 200 && response.status < 300) return response;
    throw failureFromResponse(endpoint, response, [this.#clientSecret, ...secrets]);
  }
}
