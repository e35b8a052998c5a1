import {
  ConnectionNotFoundError,
  ReauthRequiredError,
  SipgateUnavailableProblem,
} from '../connections/connection.errors.js';
import type { TokenReadOutcome } from '../metrics/token-read-metrics.js';
import { StorageUnavailableError } from './tokens.errors.js';

/** The metric outcome of a token read that ended in `error`. */
export function failedReadOutcome(error: unknown): TokenReadOutcome {
  if (error instanceof ReauthRequiredError) return 'reauth_required';
  if (error instanceof ConnectionNotFoundError) return 'not_found';
  if (error instanceof SipgateUnavailableProblem || error instanceof StorageUnavailableError)
    return 'unavailable';
  return 'error';
}
