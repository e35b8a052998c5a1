export interface TokenBrokerClientOptions {
  /** Base URL of the broker, e.g. `https://token-broker.internal` (a path prefix is kept). */
  baseUrl: string;
  /** A broker API key with the `tokens:read` scope. */
  apiKey: string;
  /** Every token handed out stays valid for at least this many seconds (default 60). */
  minValiditySeconds?: number;
  /**
   * Seconds asked of the broker on top of `minValiditySeconds` (default 15). A fetched token can
   * then be reused for at least that long before it falls below the minimum, so readers do not go
   * back to the broker on every call when its token is close to its refresh point.
   */
  refreshSkewSeconds?: number;
  /**
   * How long a Personal Access Token is reused (default 300 s). PATs never expire but can be revoked
   * or replaced at any time, so they are fetched again now and then.
   */
  patCacheSeconds?: number;
  /** Timeout of each request to the broker, including reading the answer (default 5000 ms). */
  timeoutMs?: number;
  /** The fetch to use (default: the global one), e.g. to add tracing or to count requests. */
  fetch?: typeof fetch;
  /** The clock in milliseconds (default `Date.now`); tests move it to let cached tokens age. */
  now?: () => number;
}

export type ResolvedOptions = Required<TokenBrokerClientOptions>;

/** The broker refuses `minValidity` above this. */
export const MAX_MIN_VALIDITY_SECONDS = 3600;

function seconds(name: string, value: number | undefined, fallback: number, min: number): number {
  const resolved = value ?? fallback;
  if (!Number.isFinite(resolved) || resolved < min) {
    throw new RangeError(`TokenBrokerClient: ${name} must be a number of at least ${min}, got ${value}`);
  }
  return resolved;
}

/** Checks the options once, so a misconfigured client fails when it is built rather than on first use. */
export function resolveOptions(options: TokenBrokerClientOptions): ResolvedOptions {
  if (!URL.canParse(options.baseUrl) || !/^https?:$/.test(new URL(options.baseUrl).protocol)) {
    throw new TypeError(
      `TokenBrokerClient: baseUrl must be an absolute http(s) URL, got "${options.baseUrl}"`,
    );
  }
  if (!options.apiKey) throw new TypeError('TokenBrokerClient: apiKey is required');
  const resolved: ResolvedOptions = {
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    apiKey: options.apiKey,
    minValiditySeconds: seconds('minValiditySeconds', options.minValiditySeconds, 60, 0),
    refreshSkewSeconds: seconds('refreshSkewSeconds', options.refreshSkewSeconds, 15, 0),
    patCacheSeconds: seconds('patCacheSeconds', options.patCacheSeconds, 300, 0),
    timeoutMs: seconds('timeoutMs', options.timeoutMs, 5_000, 1),
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
    now: options.now ?? Date.now,
  };
  const asked = resolved.minValiditySeconds + resolved.refreshSkewSeconds;
  if (asked > MAX_MIN_VALIDITY_SECONDS) {
    throw new RangeError(
      `TokenBrokerClient: minValiditySeconds + refreshSkewSeconds must not exceed ${MAX_MIN_VALIDITY_SECONDS}, got ${asked}`,
    );
  }
  return resolved;
}
