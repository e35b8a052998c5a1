import {
  AccessDeniedError,
  ApiKeyRejectedError,
  type BrokerProblem,
  ConnectionNotFoundError,
  RateLimitedError,
  ReauthRequiredError,
  TokenBrokerError,
  TokenUnavailableError,
} from './errors.js';

/** `Retry-After` is either delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

async function readProblem(response: Response): Promise<BrokerProblem | undefined> {
  try {
    const body: unknown = await response.json();
    return typeof body === 'object' && body !== null ? (body as BrokerProblem) : undefined;
  } catch {
    // A proxy in between may answer with HTML or nothing at all; the status still says enough.
    return undefined;
  }
}

/** Maps a broker error answer to the typed error a caller can act on. */
export async function errorFromResponse(
  response: Response,
  connectionId: string,
  now: number,
): Promise<TokenBrokerError> {
  const problem = await readProblem(response);
  const { status } = response;
  const summary = [problem?.title, problem?.detail].filter(Boolean).join(': ') || `HTTP ${status}`;
  const message = `token broker refused the token of connection ${connectionId}: ${summary}`;
  const retryAfter = parseRetryAfter(response.headers.get('retry-after'), now) ?? 1;
  switch (status) {
    case 401:
      return new ApiKeyRejectedError(message, connectionId, status, problem);
    case 403:
      return new AccessDeniedError(message, connectionId, status, problem);
    case 404:
      return new ConnectionNotFoundError(message, connectionId, status, problem);
    case 409: {
      // The token route knows only reauth-required; a body without a type still means that.
      const reauth = problem?.type === undefined || problem.type.endsWith('/reauth-required');
      return reauth
        ? new ReauthRequiredError(message, connectionId, status, problem)
        : new TokenBrokerError(message, connectionId, status, problem);
    }
    case 429:
      return new RateLimitedError(message, connectionId, status, problem, retryAfter);
    case 503:
      return new TokenUnavailableError(message, connectionId, status, problem, retryAfter);
    default:
      return new TokenBrokerError(message, connectionId, status, problem);
  }
}
