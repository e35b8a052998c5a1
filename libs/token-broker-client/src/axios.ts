// Only types come from axios: the package stays usable without it, and an app's own axios (any 1.x)
// is the one that runs.
import type { AxiosError, AxiosInstance, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import type { TokenBrokerClient } from './token-broker-client.js';

/** Set on a request's config once it was repeated, so a second 401 is passed on, not retried again. */
const RETRIED = 'tokenBrokerRetried';

type TrackedConfig = InternalAxiosRequestConfig & { [RETRIED]?: boolean };

export interface SipgateAxiosInterceptor {
  /** For `instance.interceptors.request.use`: sets `Authorization` to the connection's token. */
  onRequest(config: InternalAxiosRequestConfig): Promise<InternalAxiosRequestConfig>;
  /**
   * For `instance.interceptors.response.use(undefined, …)`: when sipgate answers 401, gets a new
   * token and repeats the request once through `instance`; any other error is passed on unchanged.
   */
  onResponseError(error: unknown, instance: AxiosInstance): Promise<AxiosResponse>;
}

function isUnauthorized(error: unknown): error is AxiosError & { config: TrackedConfig } {
  const candidate = error as Partial<AxiosError> | null;
  return candidate?.isAxiosError === true && candidate.response?.status === 401 && !!candidate.config;
}

export function createSipgateAxiosInterceptor(
  client: TokenBrokerClient,
  connectionId: string,
): SipgateAxiosInterceptor {
  return {
    async onRequest(config) {
      const token = await client.getToken(connectionId);
      config.headers.set('Authorization', token.authorizationHeader);
      return config;
    },

    async onResponseError(error, instance) {
      if (!isUnauthorized(error) || error.config[RETRIED]) throw error;
      const rejected = String(error.config.headers.get('Authorization') ?? '');
      // The request interceptor runs again for the repeat and picks up the renewed token.
      await client.renewAfterRejection(connectionId, rejected);
      error.config[RETRIED] = true;
      return instance.request(error.config);
    },
  };
}

/**
 * Makes every request of `instance` carry the connection's sipgate token, and repeats a request
 * once with a new token when sipgate answers 401. Returns a function that detaches both again.
 */
export function attachTokenBroker(
  instance: AxiosInstance,
  client: TokenBrokerClient,
  connectionId: string,
): () => void {
  const interceptor = createSipgateAxiosInterceptor(client, connectionId);
  const request = instance.interceptors.request.use((config) => interceptor.onRequest(config));
  const response = instance.interceptors.response.use(undefined, (error: unknown) =>
    interceptor.onResponseError(error, instance),
  );
  return () => {
    instance.interceptors.request.eject(request);
    instance.interceptors.response.eject(response);
  };
}
