import type { UsableCredential } from '../connections/connection.types.js';
import { secondsLeft } from './issued-tokens.js';

/**
 * Whether a credential is valid long enough for a read that asks for `minValiditySeconds`.
 *
 * What a read may ask is bounded by what sipgate last granted, less the refresh margin (capped at
 * half the lifetime, as `refreshDueAt` caps it). Asking more can never be met: every fresh token
 * would fall short at once, so each read would spend a refresh token, rotate the session and empty
 * every replica's cache, and sipgate may throttle the broker's one OAuth client, for every
 * connection, in answer. Past the bound a read gets what a fresh token offers, and its true
 * `expiresIn` tells the consumer so; below it, a read is refreshed for as before. The bound leaves a
 * fresh token `margin` seconds (at least MIN_QUIET_SECONDS) during which no read needs another one.
 */
/** However small REFRESH_MARGIN_SECONDS is set, a fresh token answers every read for this long. */
const MIN_QUIET_SECONDS = 10;

export function validLongEnough(
  credential: UsableCredential,
  minValiditySeconds: number,
  marginSeconds: number,
  now: number,
): boolean {
  const lifetime = credential.lifetimeSeconds;
  const promisable =
    lifetime === null
      ? Infinity
      : lifetime - Math.min(Math.max(marginSeconds, MIN_QUIET_SECONDS), lifetime / 2);
  return secondsLeft(credential, now) >= Math.min(minValiditySeconds, promisable);
}
