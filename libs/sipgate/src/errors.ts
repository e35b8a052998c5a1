/**
 * Errors thrown by the sipgate clients, classified for the refresher's retry logic:
 *
 * | class                       | when                                                     | retryable |
 * |-----------------------------|----------------------------------------------------------|-----------|
 * | SipgateGrantError           | 4xx with OAuth error invalid_grant / invalid_client /     | no        |
 * |                             | unauthorized_client: the refresh token (or code) is dead  |           |
 * |                             | or the client is not allowed: retrying cannot help        |           |
 * | SipgateUnavailableError     | no response (refused, reset, DNS, timeout), 5xx or 429    | yes       |
 * | SipgateUnauthorizedError    | 401/403 without one of the grant errors above, e.g. a     | no        |
 * |                             | rejected token or PAT on userinfo                        |           |
 * | SipgateRequestError         | any other 4xx: our request is wrong (a bug or bad config) | no        |
 * | SipgateResponseError        | 2xx/3xx whose body or status is not what the protocol     | yes       |
 * |                             | says: typically a proxy or maintenance page               |           |
 *
 * A SipgateResponseError after a refresh is ambiguous: sipgate may already have rotated the refresh
 * token. Retrying with the old one is still the only option; a dead token then ends in invalid_grant.
 *
 * Nothing here ever carries a token, refresh token, code, verifier, client secret, Authorization header,
 * request body or the underlying axios error (whose `config` holds all of those). Descriptions sent by
 * the server are sanitized before they are kept (see redact.ts).
 */
export type SipgateEndpoint = 'token' | 'logout' | 'userinfo';

export type SipgateGrantErrorCode = 'invalid_grant' | 'invalid_client' | 'unauthorized_client';

export abstract class SipgateError extends Error {
  abstract readonly retryable: boolean;

  constructor(
    readonly endpoint: SipgateEndpoint,
    message: string,
  ) {
    super(`sipgate ${endpoint}: ${message}`);
  }
}

export class SipgateGrantError extends SipgateError {
  override readonly name = 'SipgateGrantError';
  readonly retryable = false;

  constructor(
    endpoint: SipgateEndpoint,
    readonly status: number,
    readonly oauthError: SipgateGrantErrorCode,
    readonly description: string | undefined,
  ) {
    super(endpoint, `${oauthError} (HTTP ${status})${description ? `: ${description}` : ''}`);
  }

  /**
   * invalid_client / unauthorized_client mean the broker's own client credentials or client settings are
   * wrong, not that this connection's grant is dead: every connection would fail the same way, and
   * reconnecting users will not fix it. Callers may want to alert instead of marking connections for re-auth.
   */
  get clientMisconfigured(): boolean {
    return this.oauthError !== 'invalid_grant';
  }
}

interface UnavailableDetails {
  status?: number;
  retryAfterSeconds?: number;
  networkError?: string;
  timeoutMs?: number;
}

export class SipgateUnavailableError extends SipgateError {
  override readonly name = 'SipgateUnavailableError';
  readonly retryable = true;
  /** HTTP status (5xx or 429); undefined when no response arrived. */
  readonly status: number | undefined;
  /** Seconds from the server's Retry-After header, when it sent one. */
  readonly retryAfterSeconds: number | undefined;
  /** Network error code such as ECONNREFUSED or TIMEOUT, when no response arrived. */
  readonly networkError: string | undefined;

  constructor(endpoint: SipgateEndpoint, details: UnavailableDetails) {
    super(endpoint, describeUnavailable(details));
    this.status = details.status;
    this.retryAfterSeconds = details.retryAfterSeconds;
    this.networkError = details.networkError;
  }
}

export class SipgateRequestError extends SipgateError {
  override readonly name: string = 'SipgateRequestError';
  readonly retryable = false;

  constructor(
    endpoint: SipgateEndpoint,
    readonly status: number,
    readonly oauthError: string | undefined,
    readonly description: string | undefined,
  ) {
    super(
      endpoint,
      `HTTP ${status}${oauthError ? ` ${oauthError}` : ''}${description ? `: ${description}` : ''}`,
    );
  }
}

/** The credentials presented were rejected (401) or lack permission (403): e.g. a PAT sipgate refuses. */
export class SipgateUnauthorizedError extends SipgateRequestError {
  override readonly name: string = 'SipgateUnauthorizedError';
}

export class SipgateResponseError extends SipgateError {
  override readonly name = 'SipgateResponseError';
  readonly retryable = true;

  /** `problem` is written by this library and names fields only, never their values. */
  constructor(
    endpoint: SipgateEndpoint,
    readonly status: number,
    problem: string,
  ) {
    super(endpoint, `unusable response (HTTP ${status}): ${problem}`);
  }
}

function describeUnavailable(details: UnavailableDetails): string {
  const retry = details.retryAfterSeconds === undefined ? '' : `, retry after ${details.retryAfterSeconds} s`;
  if (details.status !== undefined) return `unavailable (HTTP ${details.status}${retry})`;
  if (details.networkError === 'TIMEOUT') return `no response within ${details.timeoutMs} ms`;
  return `unreachable (${details.networkError ?? 'network error'})`;
}
