import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

import { sendJson } from './http.js';
import type { TokenEndpointFault } from './types.js';

const MAX_DELAY_MS = 10 * 60 * 1000;

/** Checks a fault given over the control API; returns what is wrong, or undefined. */
export function faultProblem(fault: TokenEndpointFault): string | undefined {
  const { status, delayMs, times } = fault;
  if (status !== undefined && !(Number.isInteger(status) && status >= 100 && status <= 599)) {
    return 'status must be an HTTP status code';
  }
  if (delayMs !== undefined && !(Number.isInteger(delayMs) && delayMs >= 0 && delayMs <= MAX_DELAY_MS)) {
    return `delayMs must be an integer from 0 to ${MAX_DELAY_MS}`;
  }
  if (times !== undefined && !(Number.isInteger(times) && times > 0)) {
    return 'times must be a positive integer';
  }
  if (status === undefined && !delayMs) return 'give a status, a delayMs or both';
  return undefined;
}

/** Simulates sipgate's login server being down or slow, for the token endpoint only. */
export class TokenFaultInjector {
  #fault: TokenEndpointFault | null = null;
  readonly #closing = new AbortController();

  set(fault: TokenEndpointFault | null): void {
    const problem = fault && faultProblem(fault);
    if (problem) throw new Error(problem);
    this.#fault = fault && { ...fault };
  }

  /** Applies the current fault, if any: `answered` means the request needs no further handling. */
  async intercept(res: ServerResponse): Promise<'none' | 'delayed' | 'answered'> {
    const fault = this.#fault;
    if (!fault) return 'none';
    if (fault.times !== undefined && --fault.times <= 0) this.#fault = null;
    // Aborted on close() so a hanging request does not keep the process (or jest) alive.
    if (fault.delayMs) await sleep(fault.delayMs, undefined, { signal: this.#closing.signal });
    // A delay stands for the network in front of sipgate: a client that gave up (timed out, or was
    // killed) meanwhile never reached the server, so its refresh token is not spent.
    if (res.socket === null || res.socket.destroyed) return 'answered';
    if (fault.status === undefined) return 'delayed';
    sendJson(res, fault.status, {
      error: 'temporarily_unavailable',
      error_description: `sipgate sandbox: injected fault (HTTP ${fault.status})`,
    });
    return 'answered';
  }

  close(): void {
    this.#closing.abort();
  }
}
