/**
 * A sipgate web user. Like at sipgate, `sub` (`w0`, `w1`, ...) is only unique inside one account:
 * a user is identified by `masterSipId` + `sub`.
 */
export interface SandboxUser {
  sub: string;
  masterSipId: string;
  domain: string;
  locale: string;
  name: string;
  company: string;
}

/** An OAuth client registered in every realm (confidential, `client_secret_post`). */
export interface SandboxClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

/** A Personal Access Token, sent as `Authorization: Basic base64(tokenId:token)`. */
export interface SandboxPat {
  tokenId: string;
  token: string;
  sub: string;
  masterSipId: string;
}

export interface NewPat {
  sub: string;
  /** Needed only when several accounts have a user with this `sub`. */
  masterSipId?: string;
  /** Defaults to a random `token-XXXXXX`. */
  tokenId?: string;
  /** Defaults to a random UUID. */
  token?: string;
}

export interface SandboxStats {
  tokenEndpointRequests: number;
  codesIssued: number;
  tokenExchanges: number;
  tokenExchangeFailures: number;
  refreshesSucceeded: number;
  refreshFailures: number;
  refreshTokenReuses: number;
  faultsInjected: number;
  logouts: number;
}

/**
 * Makes the token endpoint misbehave: wait `delayMs`, then answer `status` (without `status` the
 * request is served normally after the delay). `times` limits it to the next n requests.
 */
export interface TokenEndpointFault {
  status?: number;
  delayMs?: number;
  times?: number;
}

export interface SandboxLogEntry {
  level: 'info' | 'warn' | 'error';
  message: string;
  details?: Record<string, unknown>;
}

export type SandboxLogger = (entry: SandboxLogEntry) => void;

export interface SandboxOptions {
  /** Default 0: an ephemeral port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Base URL clients use (issuer and links); default `http://{host}:{port}`. */
  publicUrl?: string;
  /** Keycloak realms served under `/auth/realms/{realm}`; default `third-party` and `sipgate-apps`. */
  realms?: string[];
  clients?: SandboxClient[];
  /** Scopes that may be requested and granted; default: `all` plus common sipgate scopes. */
  scopes?: string[];
  accessTokenTtlSeconds?: number;
  refreshTokenTtlSeconds?: number;
  users?: SandboxUser[];
  /** Default: one deterministic demo PAT per user (`token-DEMO01`, ...). */
  pats?: SandboxPat[];
  logger?: SandboxLogger;
}

export interface Sandbox {
  /** Base URL of both the login server (`SIPGATE_LOGIN_URL`) and the REST API (`SIPGATE_API_URL`). */
  readonly url: string;
  readonly realms: readonly string[];
  readonly clients: readonly SandboxClient[];
  readonly users: readonly SandboxUser[];
  /** `{url}/auth/realms/{realm}`; the first realm when omitted. */
  issuerFor(realm?: string): string;
  pats(): SandboxPat[];
  stats(): SandboxStats;
  resetStats(): void;
  setTokenEndpointFault(fault: TokenEndpointFault | null): void;
  /** Ends every grant of the matching users, so their refresh tokens fail with `invalid_grant`. */
  revokeGrantsOf(sub: string, masterSipId?: string): number;
  addPat(pat: NewPat): SandboxPat;
  revokePat(tokenId: string): boolean;
  close(): Promise<void>;
}
