import type { TokenSet } from '#libs/sipgate';
import type { RefreshedTokens } from './refresh.repository.js';
import { refreshDueAt } from './refresh-schedule.js';

/** What a refresh's answer means for the row. Lifetimes come from each response; nothing assumes sipgate's 300 s. */
export function describeRefresh(tokens: TokenSet, marginSeconds: number, now: number): RefreshedTokens {
  const accessTokenExpiresAt = new Date(now + tokens.expiresIn * 1000);
  const due = refreshDueAt(accessTokenExpiresAt, tokens.expiresIn, marginSeconds);
  // Without refresh_expires_in a new refresh token has no known end; without a new one the old end stands.
  const refreshTokenExpiresAt = tokens.refreshExpiresIn
    ? new Date(now + tokens.refreshExpiresIn * 1000)
    : tokens.refreshToken
      ? null
      : undefined;
  const runsOut = refreshTokenExpiresAt && refreshTokenExpiresAt <= due;
  return {
    tokens,
    accessTokenExpiresAt,
    refreshTokenExpiresAt,
    refreshDueAt: due,
    lastError: runsOut
      ? `the refresh token expires at ${refreshTokenExpiresAt.toISOString()}, before the next refresh; connect the account again before then`
      : null,
  };
}
