// oidc-provider 9 ships no type declarations and @types/oidc-provider is not installed, so this
// describes only the part of its API the sandbox uses. Kept as a script file (no top-level import)
// so that `declare module` declares the module instead of augmenting it.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export interface AdapterPayload {
    [key: string]: unknown;
    accountId?: string;
    clientId?: string;
    grantId?: string;
    uid?: string;
    userCode?: string;
    consumed?: number;
  }

  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void>;
    find(id: string): Promise<AdapterPayload | undefined>;
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
    findByUid(uid: string): Promise<AdapterPayload | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  export interface Client {
    clientId: string;
    grantTypeAllowed(grantType: string): boolean;
  }

  export interface BaseToken {
    readonly kind: string;
    jti: string;
    clientId?: string;
    accountId?: string;
    grantId?: string;
    scope?: string;
    consumed?: number;
    readonly isExpired: boolean;
    readonly remainingTTL: number;
  }

  export interface Grant extends BaseToken {
    addOIDCScope(scope: string): void;
    addResourceScope(resource: string, scope: string): void;
    save(): Promise<string>;
  }

  export interface ResourceServer {
    readonly scopes: Set<string>;
  }

  export interface Account {
    accountId: string;
    claims(): Record<string, unknown> | Promise<Record<string, unknown>>;
  }

  export interface InteractionResults {
    login?: { accountId: string };
    consent?: { grantId?: string };
    error?: string;
    error_description?: string;
  }

  export interface Interaction {
    uid: string;
    params: Record<string, string | undefined>;
    prompt: { name: string; reasons: string[] };
  }

  export interface OIDCContext {
    readonly provider: Provider;
    readonly route?: string;
    readonly params?: Record<string, unknown>;
    readonly client?: Client;
    readonly account?: Account;
    readonly result?: InteractionResults;
    readonly requestParamScopes: Set<string>;
    readonly requestParamOIDCScopes: Set<string>;
    readonly resourceServers: Record<string, ResourceServer>;
    readonly entities: { RefreshToken?: BaseToken; Grant?: Grant };
  }

  export interface KoaContextWithOIDC {
    readonly path: string;
    readonly method: string;
    status: number;
    body: unknown;
    type: string;
    query: Record<string, string | string[] | undefined>;
    oidc: OIDCContext;
  }

  export type Middleware = (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>;

  export interface OIDCProviderError extends Error {
    error: string;
    error_description?: string;
    error_detail?: string;
    status: number;
  }

  export interface ResourceServerInfo {
    scope: string;
    audience?: string;
    accessTokenTTL?: number;
    accessTokenFormat: 'jwt' | 'opaque';
    jwt?: { sign?: { alg: string } };
  }

  type MaybePromise<T> = T | Promise<T>;
  type Ttl<T> = number | ((ctx: KoaContextWithOIDC | undefined, token: T, client?: Client) => number);

  export interface ClientMetadata {
    client_id: string;
    client_secret: string;
    redirect_uris: string[];
    grant_types: string[];
    response_types: string[];
    token_endpoint_auth_method: string;
  }

  export interface Configuration {
    adapter: (name: string) => Adapter;
    clients: ClientMetadata[];
    jwks: { keys: object[] };
    cookies: { keys: string[] };
    findAccount: (ctx: KoaContextWithOIDC, id: string) => MaybePromise<Account | undefined>;
    routes: Record<string, string>;
    scopes: string[];
    pkce: { required: (ctx: KoaContextWithOIDC, client: Client) => boolean };
    allowOmittingSingleRegisteredRedirectUri: boolean;
    issueRefreshToken: (ctx: KoaContextWithOIDC, client: Client, code: BaseToken) => MaybePromise<boolean>;
    rotateRefreshToken: boolean;
    expiresWithSession: (ctx: KoaContextWithOIDC, code: BaseToken) => MaybePromise<boolean>;
    loadExistingGrant: (ctx: KoaContextWithOIDC) => Promise<Grant | undefined>;
    extraTokenClaims: (
      ctx: KoaContextWithOIDC,
      token: BaseToken,
    ) => MaybePromise<Record<string, unknown> | undefined>;
    interactions: {
      url: (ctx: KoaContextWithOIDC, interaction: Interaction) => MaybePromise<string>;
      policy: interactionPolicy.Prompt[];
    };
    features: {
      devInteractions: { enabled: boolean };
      rpInitiatedLogout: { enabled: boolean };
      userinfo: { enabled: boolean };
      revocation: {
        enabled: boolean;
        allowedPolicy: (ctx: KoaContextWithOIDC, client: Client, token: BaseToken) => MaybePromise<boolean>;
      };
      resourceIndicators: {
        enabled: boolean;
        defaultResource: (ctx: KoaContextWithOIDC) => MaybePromise<string | undefined>;
        useGrantedResource: (ctx: KoaContextWithOIDC) => MaybePromise<boolean>;
        getResourceServerInfo: (
          ctx: KoaContextWithOIDC,
          resourceIndicator: string,
          client: Client,
        ) => MaybePromise<ResourceServerInfo>;
      };
    };
    ttl: {
      AccessToken: Ttl<BaseToken>;
      AuthorizationCode: Ttl<BaseToken>;
      IdToken: Ttl<BaseToken>;
      RefreshToken: Ttl<BaseToken>;
      Interaction: Ttl<Interaction>;
      Session: Ttl<object>;
      Grant: Ttl<Grant>;
    };
    clientBasedCORS: (ctx: KoaContextWithOIDC, origin: string, client: Client) => boolean;
    renderError: (ctx: KoaContextWithOIDC, out: Record<string, string>, error: Error) => MaybePromise<void>;
    discovery: Record<string, unknown>;
  }

  export class Provider {
    constructor(issuer: string, configuration: Configuration);
    readonly issuer: string;
    readonly Grant: {
      new (properties: { accountId: string; clientId: string }): Grant;
      find(id: string): Promise<Grant | undefined>;
    };
    readonly Client: {
      find(id: string): Promise<Client | undefined>;
    };
    readonly RefreshToken: {
      find(value: string, options?: { ignoreExpiration?: boolean }): Promise<BaseToken | undefined>;
    };
    callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
    use(middleware: Middleware): this;
    on(event: 'grant.error', listener: (ctx: KoaContextWithOIDC, error: OIDCProviderError) => void): this;
    on(event: 'server_error', listener: (ctx: KoaContextWithOIDC, error: Error) => void): this;
    on(
      event: 'authorization.success',
      listener: (ctx: KoaContextWithOIDC, out: Record<string, string | undefined>) => void,
    ): this;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: InteractionResults,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;
  }

  export namespace interactionPolicy {
    class Check {
      constructor(
        reason: string,
        description: string,
        error: string,
        check: (ctx: KoaContextWithOIDC) => boolean | Promise<boolean>,
      );
    }
    interface Prompt {
      name: string;
      checks: Check[];
    }
    function base(): Prompt[] & { get(name: string): Prompt | undefined };
  }

  export namespace errors {
    class InvalidTarget extends Error {
      constructor(description?: string);
    }
  }

  export default Provider;
}
