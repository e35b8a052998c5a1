import { BrokerUnreachableError, TokenBrokerError } from './errors.js';
import type { ResolvedOptions } from './options.js';
import { errorFromResponse } from './problem-response.js';
import { type IssuedToken, parseIssuedToken } from './sipgate-token.js';

function unreachable(connectionId: string, error: unknown): BrokerUnreachableError {
  const reason = error instanceof Error ? error.message : String(error);
  return new BrokerUnreachableError(
    `token broker unreachable for connection ${connectionId}: ${reason}`,
    connectionId,
    undefined,
    undefined,
    { cause: error },
  );
}

function unexpected(connectionId: string, status: number, cause?: unknown): TokenBrokerError {
  return new TokenBrokerError(
    `token broker sent an unexpected answer for connection ${connectionId}`,
    connectionId,
    status,
    undefined,
    { cause },
  );
}

/** One `GET /v1/connections/{id}/token` call; every failure becomes a TokenBrokerError. */
export async function fetchToken(
  options: ResolvedOptions,
  connectionId: string,
  minValiditySeconds: number,
): Promise<IssuedToken> {
  const url = `${options.baseUrl}/v1/connections/${encodeURIComponent(connectionId)}/token?minValidity=${minValiditySeconds}`;
  // One signal for request and body: a broker that stalls mid-answer is as unreachable as a dead one.
  const signal = AbortSignal.timeout(options.timeoutMs);
  let response: Response;
  try {
    response = await options.fetch(url, {
      headers: { authorization: `Bearer ${options.apiKey}`, accept: 'application/json' },
      signal,
    });
  } catch (error) {
    throw unreachable(connectionId, error);
  }
  if (!response.ok) throw await errorFromResponse(response, connectionId, options.now());
  let body: unknown;
  try {
    body = await response.json();
  } catch (error) {
    throw error instanceof SyntaxError
      ? unexpected(connectionId, response.status, error)
      : unreachable(connectionId, error);
  }
  const issued = parseIssuedToken(body);
  if (!issued) throw unexpected(connectionId, response.status);
  return issued;
}
