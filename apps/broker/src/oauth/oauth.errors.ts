import { DomainError } from '../problems/domain-error.js';

export class InvalidOAuthStateError extends DomainError {
  readonly status = 400;
  readonly type = 'invalid-oauth-state';
  readonly title = 'Unknown, used or expired login attempt';
}

export class SipgateAuthorizationDeniedError extends DomainError {
  readonly status = 400;
  readonly type = 'sipgate-authorization-failed';
  readonly title = 'sipgate did not authorize the connection';
}

/** The code exchange worked, but sipgate's userinfo did not say whose account the tokens are for. */
export class SipgateIdentityUnconfirmedError extends DomainError {
  readonly status = 502;
  readonly type = 'sipgate-identity-unconfirmed';
  readonly title = 'sipgate did not confirm the account';
}
