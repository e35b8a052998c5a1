export { SipgateApiClient, type SipgateApiClientOptions } from './api-client.js';
export { basicAuthorization, bearerAuthorization } from './authorization-header.js';
export {
  SipgateError,
  SipgateGrantError,
  SipgateRequestError,
  SipgateResponseError,
  SipgateUnauthorizedError,
  SipgateUnavailableError,
  type SipgateEndpoint,
  type SipgateGrantErrorCode,
} from './errors.js';
export type { HttpOptions } from './http-transport.js';
export {
  SipgateOAuthClient,
  type AuthorizationUrlParams,
  type CodeExchange,
  type SipgateOAuthClientOptions,
} from './oauth-client.js';
export type { TokenSet } from './token-set.js';
export type { SipgateUserInfo } from './userinfo.js';
