import { DomainError } from '../problems/domain-error.js';

export class ConnectionNotFoundError extends DomainError {
  readonly status = 404;
  readonly type = 'connection-not-found';
  readonly title = 'Connection not found';

  constructor(id: string) {
    super(`No connection with id ${id}.`);
  }
}

export class ReauthRequiredError extends DomainError {
  readonly status = 409;
  readonly type = 'reauth-required';
  readonly title = 'The connection needs to be authorized again';

  constructor(
    id: string,
    detail = `sipgate no longer accepts the grant of connection ${id}; an admin must connect the account again.`,
  ) {
    super(detail);
  }
}

/**
 * An OAuth connection stored without a refresh token (sipgate sent none): nothing can renew its
 * access token, which readers are still served while it is valid.
 */
export class NoRefreshTokenError extends ReauthRequiredError {
  constructor(id: string) {
    super(
      id,
      `Connection ${id} has no refresh token (sipgate issued none), so its access token cannot be renewed; an admin must connect the account again.`,
    );
  }
}

export class NotRefreshableError extends DomainError {
  readonly status = 409;
  readonly type = 'not-refreshable';
  readonly title = 'The connection has nothing to refresh';

  constructor(id: string) {
    super(`Connection ${id} is a Personal Access Token connection; only OAuth connections are refreshed.`);
  }
}

/** sipgate could not be reached (or answered 5xx) and no token valid long enough is at hand. */
export class SipgateUnavailableProblem extends DomainError {
  readonly status = 503;
  readonly type = 'sipgate-unavailable';
  readonly title = 'sipgate is unavailable';

  constructor(detail: string, retryAfterSeconds: number) {
    super(detail);
    this.headers['retry-after'] = String(Math.max(1, Math.ceil(retryAfterSeconds)));
  }
}

/**
 * No configured encryption key opens the connection's refresh token (see set-aside.ts). A
 * misconfiguration of the broker, not of the caller: a 500 that names the key id it needs.
 */
export class RefreshTokenUnreadableError extends DomainError {
  readonly status = 500;
  readonly type = 'secret-unreadable';
  readonly title = "The broker cannot decrypt the connection's refresh token";

  constructor(id: string, lastError: string) {
    super(`Connection ${id} cannot be refreshed: ${lastError}.`);
  }
}

export class PatRejectedError extends DomainError {
  readonly status = 422;
  readonly type = 'pat-rejected';
  readonly title = 'sipgate rejected the Personal Access Token';

  constructor(tokenId: string) {
    super(
      `sipgate does not accept the PAT ${tokenId} (wrong token, revoked, or expired); nothing was stored.`,
    );
  }
}
