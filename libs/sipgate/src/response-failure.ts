import {
  SipgateGrantError,
  SipgateRequestError,
  SipgateResponseError,
  SipgateUnauthorizedError,
  SipgateUnavailableError,
  type SipgateEndpoint,
  type SipgateError,
  type SipgateGrantErrorCode,
} from './errors.js';
import type { RawResponse } from './http-transport.js';
import { sanitizeDescription, sanitizeErrorCode } from './redact.js';
import { parseRetryAfter } from './retry-after.js';

const GRANT_ERRORS: ReadonlySet<string> = new Set<SipgateGrantErrorCode>([
  'invalid_grant',
  'invalid_client',
  'unauthorized_client',
]);

/**
 * Turns a non-2xx response into the error class the refresher acts on (table in errors.ts).
 * The order matters: 5xx/429 are transient whatever the body says; a grant error code wins over the
 * status because Keycloak answers invalid_client with 401 and invalid_grant with 400.
 * `secrets` are the values sent in the request, redacted from any text the server echoes back.
 */
export function failureFromResponse(
  endpoint: SipgateEndpoint,
  response: RawResponse,
  secrets: readonly string[],
): SipgateError {
  const { status } = response;
  if (status === 429 || status >= 500) {
    return new SipgateUnavailableError(endpoint, {
      status,
      retryAfterSeconds: parseRetryAfter(response.retryAfter),
    });
  }
  if (status < 400) return new SipgateResponseError(endpoint, status, 'unexpected status');

  const { error, description } = readOAuthError(response.body, secrets);
  if (error !== undefined && GRANT_ERRORS.has(error)) {
    return new SipgateGrantError(endpoint, status, error as SipgateGrantErrorCode, description);
  }
  if (status === 401 || status === 403) {
    return new SipgateUnauthorizedError(endpoint, status, error, description);
  }
  return new SipgateRequestError(endpoint, status, error, description);
}

/** RFC 6749 5.2 error body, if the body is one; anything else yields nothing rather than raw text. */
function readOAuthError(body: string, secrets: readonly string[]): { error?: string; description?: string } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return {};
  }
  if (typeof json !== 'object' || json === null) return {};
  const fields = json as Record<string, unknown>;
  return {
    error: sanitizeErrorCode(fields.error),
    description: sanitizeDescription(fields.error_description, secrets),
  };
}

/** A 2xx body that must be a JSON object; anything else is a SipgateResponseError naming no values. */
export function parseJsonObject(endpoint: SipgateEndpoint, response: RawResponse): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(response.body);
  } catch {
    throw new SipgateResponseError(endpoint, response.status, 'body is not valid JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new SipgateResponseError(endpoint, response.status, 'body is not a JSON object');
  }
  return json as Record<string, unknown>;
}
