import type { Adapter, AdapterPayload } from 'oidc-provider';

interface Entry {
  model: string;
  payload: AdapterPayload;
  expiresAt: number;
}

const SWEEP_INTERVAL_MS = 60_000;

/**
 * oidc-provider's storage, shared by all realms. Own instead of the bundled MemoryAdapter because
 * the sandbox must find grants by user (`revokeGrantsOf`) and check whether a grant still exists
 * when the REST stand-in sees an access token; the bundled one cannot list entries.
 */
export class MemoryStore {
  readonly #entries = new Map<string, Entry>();
  #nextSweep = 0;

  adapterFor(model: string): Adapter {
    const key = (id: string) => `${model}:${id}`;
    const findBy = (property: 'uid' | 'userCode', value: string) => {
      for (const entry of this.#entries.values()) {
        if (entry.model === model && entry.payload[property] === value && this.#alive(entry)) {
          return entry.payload;
        }
      }
      return undefined;
    };
    return {
      upsert: async (id, payload, expiresIn) => {
        this.#sweep();
        const expiresAt = expiresIn ? Date.now() + expiresIn * 1000 : Number.POSITIVE_INFINITY;
        this.#entries.set(key(id), { model, payload, expiresAt });
      },
      find: async (id) => this.#get(key(id))?.payload,
      findByUid: async (uid) => findBy('uid', uid),
      findByUserCode: async (userCode) => findBy('userCode', userCode),
      consume: async (id) => {
        const entry = this.#get(key(id));
        if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
      },
      destroy: async (id) => {
        this.#entries.delete(key(id));
      },
      revokeByGrantId: async (grantId) =>
        this.#deleteWhere((e) => e.model === model && e.payload.grantId === grantId),
    };
  }

  hasGrant(grantId: string): boolean {
    return this.#get(`Grant:${grantId}`) !== undefined;
  }

  grantIdsOf(accountId: string): string[] {
    return [...this.#entries.entries()]
      .filter(([, e]) => e.model === 'Grant' && e.payload.accountId === accountId && this.#alive(e))
      .map(([key]) => key.slice('Grant:'.length));
  }

  /** Deletes a grant with every token and code issued under it, as Keycloak ends a session. */
  revokeGrant(grantId: string): void {
    this.#entries.delete(`Grant:${grantId}`);
    this.#deleteWhere((e) => e.payload.grantId === grantId);
  }

  #get(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry && !this.#alive(entry)) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  #alive(entry: Entry): boolean {
    return entry.expiresAt > Date.now();
  }

  #deleteWhere(predicate: (entry: Entry) => boolean): void {
    for (const [key, entry] of this.#entries) {
      if (predicate(entry)) this.#entries.delete(key);
    }
  }

  /** Consumed refresh tokens stay until they expire, so a long-running sandbox drops them here. */
  #sweep(): void {
    if (Date.now() < this.#nextSweep) return;
    this.#nextSweep = Date.now() + SWEEP_INTERVAL_MS;
    this.#deleteWhere((entry) => !this.#alive(entry));
  }
}
