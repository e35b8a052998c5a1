import { DomainError } from './domain-error.js';

const REALM = 'sipgate-token-broker';

/** RFC 6750 error codes: sent only when a credential was presented (§3: not for a missing one). */
export type BearerErrorCode = 'invalid_request' | 'invalid_token';

/**
 * 401: no usable API key. The detail says what was wrong with the header, never what it held; the
 * WWW-Authenticate header tells clients which scheme to use.
 */
export class UnauthorizedError extends DomainError {
  readonly status = 401;
  readonly type = 'unauthorized';
  readonly title = 'Authentication required';

  constructor(detail: string, error?: BearerErrorCode) {
    super(detail);
    this.headers['www-authenticate'] = error
      ? `Bearer realm="${REALM}", error="${error}"`
      : `Bearer realm="${REALM}"`;
  }
}

/** 403: the key is valid but lacks the scope or the connection the route needs. */
export class ForbiddenError extends DomainError {
  readonly status = 403;
  readonly type = 'forbidden';
  readonly title = 'Forbidden';
}

/**
 * 503: a key that is not cached cannot be checked because Postgres is unreachable. Neither 401 (the
 * key may well be valid) nor 500 (nothing is broken in the request); the client should retry.
 */
export class AuthenticationUnavailableError extends DomainError {
  readonly status = 503;
  readonly type = 'authentication-unavailable';
  readonly title = 'Authentication temporarily unavailable';

  constructor() {
    super('The API key cannot be checked right now because the database is unreachable; retry shortly.');
    this.headers['retry-after'] = '5';
  }
}

/**
 * 503: a key that is not cached cannot be checked yet because too many lookups of unknown keys are
 * already waiting (a flood of made-up keys, most likely). Not 401: the key may well be valid, and a
 * consumer must not give up on it; retrying a second later finds a free turn once the flood ebbs.
 */
export class AuthenticationBusyError extends DomainError {
  readonly status = 503;
  readonly type = 'authentication-busy';
  readonly title = 'Authentication temporarily unavailable';

  constructor() {
    super('Too many API keys are being checked right now; retry shortly.');
    this.headers['retry-after'] = '1';
  }
}
