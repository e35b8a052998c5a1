import type { EncryptionKeyring } from '#libs/crypto';

/** The broker's configuration, typed and complete; built once by `loadBrokerConfig`. */
export interface BrokerConfig {
  production: boolean;
  http: { host: string; port: number; publicUrl: string; oauthRedirectUri: string };
  /** Unset: an embedded Postgres under `dataDir` is used. */
  databaseUrl: string | undefined;
  dataDir: string;
  encryptionKeys: EncryptionKeyring;
  adminApiKey: string;
  /** Outbound webhook for connection events; null when BROKER_WEBHOOK_URL is unset. */
  webhook: {
    url: string;
    /** HMAC-SHA256 key of the `X-Broker-Signature` header. */
    secret: string;
    timeoutMs: number;
    /** An event is given up (`dead`) after this many attempts or this age, whichever comes first. */
    maxAttempts: number;
    maxAgeSeconds: number;
  } | null;
  sipgate: {
    /** True when no OAuth client is configured outside production: the bundled sandbox stands in. */
    sandbox: boolean;
    sandboxPort: number;
    /** True when the sipgate URLs were left unset in sandbox mode: they follow wherever the sandbox listens. */
    urlsFromSandbox: boolean;
    clientId: string;
    clientSecret: string;
    realm: string;
    loginUrl: string;
    apiUrl: string;
    defaultScopes: string[];
    httpTimeoutMs: number;
  };
  refresh: { marginSeconds: number; schedulerEnabled: boolean; concurrency: number; tickMs: number };
  /** Per API key and replica; `perSecond` 0: no limit. */
  tokenRateLimit: { perSecond: number; burst: number };
  logLevel: string;
}

/** Which generated values came from `DATA_DIR` rather than the environment (for the start-up log). */
export interface GeneratedSecrets {
  file: string;
  names: string[];
}
