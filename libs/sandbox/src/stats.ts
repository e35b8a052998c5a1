import type { SandboxStats } from './types.js';

export function emptyStats(): SandboxStats {
  return {
    tokenEndpointRequests: 0,
    codesIssued: 0,
    tokenExchanges: 0,
    tokenExchangeFailures: 0,
    refreshesSucceeded: 0,
    refreshFailures: 0,
    refreshTokenReuses: 0,
    faultsInjected: 0,
    logouts: 0,
  };
}
