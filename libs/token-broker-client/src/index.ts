export { TokenBrokerClient } from './token-broker-client.js';
export type { TokenBrokerClientOptions } from './options.js';
export type { SipgateToken } from './sipgate-token.js';
export { attachTokenBroker, createSipgateAxiosInterceptor, type SipgateAxiosInterceptor } from './axios.js';
export {
  AccessDeniedError,
  ApiKeyRejectedError,
  type BrokerProblem,
  BrokerUnreachableError,
  ConnectionNotFoundError,
  RateLimitedError,
  ReauthRequiredError,
  RetryLaterError,
  TokenBrokerError,
  type TokenBrokerErrorCode,
  TokenUnavailableError,
} from './errors.js';
