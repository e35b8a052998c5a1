/** The broker's `application/problem+json` body (RFC 9457), as far as it was readable. */
export interface BrokerProblem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  requestId?: string;
  [extension: string]: unknown;
}

export type TokenBrokerErrorCode =
  | 'unreachable'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'reauth_required'
  | 'rate_limited'
  | 'unavailable'
  | 'unexpected';

/**
 * Every failure of the client is one of these. Messages carry the broker's title and detail and
 * the connection id, never the API key or a token.
 */
export class TokenBrokerError extends Error {
  override readonly name: string = 'TokenBrokerError';
  readonly code: TokenBrokerErrorCode = 'unexpected';

  constructor(
    message: string,
    readonly connectionId: string,
    /** The HTTP status, when the broker answered. */
    readonly status?: number,
    readonly problem?: BrokerProblem,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  /** The broker's request id: quote it when asking the broker's operators about a failure. */
  get requestId(): string | undefined {
    return this.problem?.requestId;
  }
}

/** No answer: the broker is down, unreachable, or slower than `timeoutMs`. */
export class BrokerUnreachableError extends TokenBrokerError {
  override readonly name = 'BrokerUnreachableError';
  override readonly code = 'unreachable';
}

/** 401: the API key is missing, unknown or revoked. */
export class ApiKeyRejectedError extends TokenBrokerError {
  override readonly name = 'ApiKeyRejectedError';
  override readonly code = 'unauthorized';
}

/** 403: the API key lacks the `tokens:read` scope or is limited to other connections. */
export class AccessDeniedError extends TokenBrokerError {
  override readonly name = 'AccessDeniedError';
  override readonly code = 'forbidden';
}

/** 404: no connection with this id (never connected, or disconnected). */
export class ConnectionNotFoundError extends TokenBrokerError {
  override readonly name = 'ConnectionNotFoundError';
  override readonly code = 'not_found';
}

/** 409: sipgate no longer accepts the connection's grant; an admin must connect the account again. */
export class ReauthRequiredError extends TokenBrokerError {
  override readonly name = 'ReauthRequiredError';
  override readonly code = 'reauth_required';
}

/** A transient refusal: asking again after `retryAfterSeconds` may succeed. */
export abstract class RetryLaterError extends TokenBrokerError {
  constructor(
    message: string,
    connectionId: string,
    status: number,
    problem: BrokerProblem | undefined,
    /** From the `Retry-After` header; 1 when the broker sent none. */
    readonly retryAfterSeconds: number,
  ) {
    super(message, connectionId, status, problem);
  }
}

/** 429: this API key asked too often. */
export class RateLimitedError extends RetryLaterError {
  override readonly name = 'RateLimitedError';
  override readonly code = 'rate_limited';
}

/** 503: sipgate (or the broker's database) is unreachable and no valid token is at hand. */
export class TokenUnavailableError extends RetryLaterError {
  override readonly name = 'TokenUnavailableError';
  override readonly code = 'unavailable';
}
