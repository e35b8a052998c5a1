import { randomBytes } from 'node:crypto';

/** About the size of sipgate's JWTs. */
export const ACCESS_TOKEN_CHARS = 1_000;
export const REFRESH_TOKEN_CHARS = 800;

/** Random material to cut tokens from: fresh randomness per token would make the stand-in the bottleneck. */
const RANDOM = randomBytes(96 * 1024).toString('base64url');

export function randomText(length: number): string {
  const start = Math.floor(Math.random() * (RANDOM.length - length));
  return RANDOM.slice(start, start + length);
}

export function accessTokenFor(index: number, generation: number): string {
  const head = `at.${index}.${generation}.`;
  return head + randomText(ACCESS_TOKEN_CHARS - head.length);
}

/**
 * `rt.<connection index>.<generation>.<expiry of the access token issued with it, epoch ms>.<padding>`:
 * the fake token endpoint needs no lookup table to tell whose token it is, whether it was spent before,
 * and how much life the connection's access token had left when it was refreshed.
 */
export function refreshTokenFor(index: number, generation: number, accessExpiresAtMs: number): string {
  const head = `rt.${index}.${generation}.${Math.round(accessExpiresAtMs)}.`;
  return head + randomText(REFRESH_TOKEN_CHARS - head.length);
}

export function parseRefreshToken(
  token: string,
): { index: number; generation: number; accessExpiresAtMs: number } | undefined {
  const [kind, index, generation, expiry] = token.split('.', 4);
  const parsed = { index: Number(index), generation: Number(generation), accessExpiresAtMs: Number(expiry) };
  if (kind !== 'rt' || !Number.isInteger(parsed.index) || !Number.isInteger(parsed.generation))
    return undefined;
  return parsed;
}
