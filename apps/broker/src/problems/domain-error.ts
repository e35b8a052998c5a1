/**
 * Base of every error the API answers on purpose. The global ProblemDetailsFilter turns it into an
 * `application/problem+json` body; `detail` is written for the caller and must never hold a secret.
 */
export abstract class DomainError extends Error {
  abstract readonly status: number;
  /** Short, stable slug; the problem `type` is `{base}/problems/{type}`. */
  abstract readonly type: string;
  abstract readonly title: string;
  /** Extra members of the problem body, e.g. `errors` of a validation problem. */
  readonly extensions: Record<string, unknown> = {};
  /** Response headers, e.g. Retry-After. */
  readonly headers: Record<string, string> = {};

  constructor(readonly detail: string) {
    super(detail);
    this.name = new.target.name;
  }
}

export class ValidationFailedError extends DomainError {
  readonly status = 400;
  readonly type = 'validation-failed';
  readonly title = 'The request is invalid';

  constructor(readonly errors: { field: string; message: string }[]) {
    super(errors.map((e) => e.message).join('; '));
    this.extensions.errors = errors;
  }
}

export class NotFoundError extends DomainError {
  readonly status = 404;
  readonly type = 'not-found';
  readonly title = 'Not found';
}
