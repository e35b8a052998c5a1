import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance, type Method } from 'axios';
import { SipgateUnavailableError, type SipgateEndpoint } from './errors.js';

export interface HttpOptions {
  /** Upper bound for a whole request, connect to last byte. */
  timeoutMs: number;
  /** Reuse connections (default true). Ignored for an agent passed in explicitly. */
  keepAlive?: boolean;
  httpAgent?: http.Agent;
  httpsAgent?: https.Agent;
}

export interface HttpRequest {
  method: Method;
  url: string;
  data?: URLSearchParams;
  headers?: Record<string, string>;
}

/** What the classifiers need from a response; the body stays raw so malformed JSON can be told apart. */
export interface RawResponse {
  status: number;
  body: string;
  retryAfter: string | undefined;
}

// Token and userinfo answers are a few KB; a huge body means something is wrong, not something to buffer.
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * One axios instance per client. Every status is returned, not thrown (validateStatus), because axios
 * errors embed the request config (headers, form body with secrets): all classification happens in our
 * own code, and the only axios errors we see are network failures, which are replaced, never rethrown.
 */
export class HttpTransport {
  private readonly axios: AxiosInstance;
  private readonly ownedAgents: Array<http.Agent | https.Agent> = [];

  constructor(private readonly options: HttpOptions) {
    const keepAlive = options.keepAlive ?? true;
    const httpAgent = options.httpAgent ?? this.own(new http.Agent({ keepAlive }));
    const httpsAgent = options.httpsAgent ?? this.own(new https.Agent({ keepAlive }));
    this.axios = axios.create({
      // In Node, axios' timeout is a socket inactivity timer; the AbortSignal in send() bounds the total.
      timeout: options.timeoutMs,
      // A redirect from an OAuth endpoint is never part of the protocol; following it could send the
      // form body (client secret, refresh token) to another host.
      maxRedirects: 0,
      validateStatus: () => true,
      responseType: 'text',
      transformResponse: (data: unknown) => data,
      maxContentLength: MAX_BODY_BYTES,
      httpAgent,
      httpsAgent,
      headers: { Accept: 'application/json' },
    });
  }

  async send(endpoint: SipgateEndpoint, request: HttpRequest): Promise<RawResponse> {
    const deadline = AbortSignal.timeout(this.options.timeoutMs);
    try {
      const response = await this.axios.request<string>({ ...request, signal: deadline });
      const retryAfter = response.headers['retry-after'];
      return {
        status: response.status,
        body: typeof response.data === 'string' ? response.data : '',
        retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined,
      };
    } catch (error) {
      throw networkFailure(endpoint, error, deadline.aborted, this.options.timeoutMs);
    }
  }

  /** Closes pooled keep-alive sockets of the agents this transport created (not of agents passed in). */
  close(): void {
    for (const agent of this.ownedAgents) agent.destroy();
  }

  private own<T extends http.Agent | https.Agent>(agent: T): T {
    this.ownedAgents.push(agent);
    return agent;
  }
}

/** Keeps only a sanitized error code from the axios error; the error itself holds the request config. */
function networkFailure(
  endpoint: SipgateEndpoint,
  error: unknown,
  deadlinePassed: boolean,
  timeoutMs: number,
): SipgateUnavailableError {
  const code = axios.isAxiosError(error) ? error.code : undefined;
  const timedOut = deadlinePassed || code === 'ECONNABORTED' || code === 'ETIMEDOUT';
  const networkError = timedOut ? 'TIMEOUT' : code && /^[A-Z0-9_]{1,40}$/.test(code) ? code : undefined;
  return new SipgateUnavailableError(endpoint, { networkError, timeoutMs });
}
