import { fetchToken } from './fetch-token.js';
import {
  MAX_MIN_VALIDITY_SECONDS,
  resolveOptions,
  type ResolvedOptions,
  type TokenBrokerClientOptions,
} from './options.js';
import { type SipgateToken, toSipgateToken } from './sipgate-token.js';

/**
 * After sipgate rejected a token the broker still hands out, the broker is asked to refresh at most
 * this often per connection: a caller whose requests sipgate keeps refusing for another reason must
 * not turn each of them into a refresh at sipgate.
 */
const FORCED_RENEWAL_COOLDOWN_MS = 30_000;

interface ConnectionState {
  cached?: { token: SipgateToken; reusableUntil: number };
  /** The fetch every `getToken` caller waits for while no cached token is usable. */
  inflight?: Promise<SipgateToken>;
  /** A fetch asking the broker to replace a rejected token; concurrent rejections share it. */
  forcing?: Promise<SipgateToken>;
  forcedAt?: number;
  /** Bumped by `invalidate`: a fetch that started before must not put its token back in the cache. */
  generation: number;
}

/**
 * Hands out sipgate tokens for broker connections. Each connection's token is cached until it would
 * drop below `minValiditySeconds`, concurrent callers share one request to the broker, and a
 * Personal Access Token is reused for `patCacheSeconds`.
 */
export class TokenBrokerClient {
  private readonly options: ResolvedOptions;
  private readonly states = new Map<string, ConnectionState>();

  constructor(options: TokenBrokerClientOptions) {
    this.options = resolveOptions(options);
  }

  /** A token valid for at least `minValiditySeconds`. Rejects with a `TokenBrokerError` subclass. */
  getToken(connectionId: string): Promise<SipgateToken> {
    const state = this.state(connectionId);
    if (state.cached && this.options.now() < state.cached.reusableUntil) {
      return Promise.resolve(state.cached.token);
    }
    if (!state.inflight) {
      const asked = this.options.minValiditySeconds + this.options.refreshSkewSeconds;
      const inflight = this.fetchAndCache(connectionId, state, asked).finally(() => {
        if (state.inflight === inflight) state.inflight = undefined;
      });
      state.inflight = inflight;
    }
    return state.inflight;
  }

  /** Forgets the connection's token: the next `getToken` asks the broker again. */
  invalidate(connectionId: string): void {
    const state = this.states.get(connectionId);
    if (!state) return;
    state.generation += 1;
    state.cached = undefined;
    state.inflight = undefined;
  }

  /** Forgets every cached token. */
  clear(): void {
    for (const id of [...this.states.keys()]) this.invalidate(id);
  }

  /**
   * For a caller that sipgate answered 401 with `rejectedAuthorization`: a token other than that one
   * if the broker has one (a newer token, e.g. after an admin connected the account again), else the
   * broker is asked for a token that outlives the rejected one, which makes it refresh at sipgate.
   * That either yields a new token or shows the grant is gone (`ReauthRequiredError`, and the broker
   * marks the connection for its admins). Concurrent callers share the requests.
   */
  async renewAfterRejection(connectionId: string, rejectedAuthorization: string): Promise<SipgateToken> {
    const state = this.state(connectionId);
    if (state.cached?.token.authorizationHeader === rejectedAuthorization) state.cached = undefined;
    const token = await this.getToken(connectionId);
    if (token.authorizationHeader !== rejectedAuthorization || token.expiresAt === null) return token;
    return this.forceRenewal(connectionId, state, token, token.expiresAt);
  }

  private forceRenewal(
    connectionId: string,
    state: ConnectionState,
    rejected: SipgateToken,
    expiresAt: Date,
  ): Promise<SipgateToken> {
    if (state.forcing) return state.forcing;
    const now = this.options.now();
    if (state.forcedAt !== undefined && now - state.forcedAt < FORCED_RENEWAL_COOLDOWN_MS) {
      return Promise.resolve(rejected);
    }
    state.forcedAt = now;
    const secondsLeft = Math.ceil((expiresAt.getTime() - now) / 1000);
    const outlive = Math.min(MAX_MIN_VALIDITY_SECONDS, Math.max(1, secondsLeft + 1));
    const forcing = this.fetchAndCache(connectionId, state, outlive).finally(() => {
      if (state.forcing === forcing) state.forcing = undefined;
    });
    state.forcing = forcing;
    return forcing;
  }

  private async fetchAndCache(
    connectionId: string,
    state: ConnectionState,
    minValiditySeconds: number,
  ): Promise<SipgateToken> {
    const generation = state.generation;
    const sentAt = this.options.now();
    const token = toSipgateToken(await fetchToken(this.options, connectionId, minValiditySeconds), sentAt);
    const reusableUntil = token.expiresAt
      ? token.expiresAt.getTime() - this.options.minValiditySeconds * 1000
      : sentAt + this.options.patCacheSeconds * 1000;
    // A token with less than the minimum left (sipgate down, or tokens shorter-lived than asked) is
    // the broker's best right now; its callers get it, but the next caller asks again.
    if (state.generation === generation && reusableUntil > this.options.now()) {
      state.cached = { token, reusableUntil };
    }
    return token;
  }

  private state(connectionId: string): ConnectionState {
    let state = this.states.get(connectionId);
    if (!state) {
      state = { generation: 0 };
      this.states.set(connectionId, state);
    }
    return state;
  }
}
