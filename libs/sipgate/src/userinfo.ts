import { SipgateResponseError } from './errors.js';
import type { RawResponse } from './http-transport.js';
import { parseJsonObject } from './response-failure.js';

/** The identity behind a token or PAT. A sipgate user is identified by masterSipId + sub. */
export interface SipgateUserInfo {
  /** The user within the account, e.g. "w0". */
  sub: string;
  /** The account, e.g. "2556404". */
  masterSipId: string;
  domain?: string;
  locale?: string;
}

/**
 * Only the identifying fields are required: refusing a valid PAT because a cosmetic field is missing
 * would help nobody. sipgate sends masterSipId as a string; a number is accepted and converted.
 */
export function parseUserInfo(response: RawResponse): SipgateUserInfo {
  const json = parseJsonObject('userinfo', response);
  const problem = (text: string) => new SipgateResponseError('userinfo', response.status, text);

  if (typeof json.sub !== 'string' || json.sub === '') throw problem('sub is missing');
  const masterSipId =
    typeof json.masterSipId === 'number' && Number.isSafeInteger(json.masterSipId)
      ? String(json.masterSipId)
      : json.masterSipId;
  if (typeof masterSipId !== 'string' || masterSipId === '') throw problem('masterSipId is missing');

  return {
    sub: json.sub,
    masterSipId,
    domain: typeof json.domain === 'string' ? json.domain : undefined,
    locale: typeof json.locale === 'string' ? json.locale : undefined,
  };
}
