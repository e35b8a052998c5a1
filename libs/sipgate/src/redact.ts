/**
 * Server-provided text (OAuth error_description) is kept in errors because it explains failures
 * ("Token is not active", "Session not active"). It is also the one place a remote party could echo a
 * secret back at us, so it is cleaned before it reaches an error message:
 * - every secret sent in the request is replaced, verbatim;
 * - any long run of token-like characters is replaced too, which catches JWTs, UUIDs and opaque tokens
 *   even when they were not ours or were re-encoded;
 * - control characters go (log injection), and the length is capped.
 */
const TOKEN_LIKE = /[A-Za-z0-9_\-.~+/=%]{24,}/g;
const MAX_LENGTH = 200;
// Shorter "secrets" are not secret (e.g. an empty value); replacing them would garble the text.
const MIN_SECRET_LENGTH = 4;

export function sanitizeDescription(value: unknown, secrets: readonly string[]): string | undefined {
  if (typeof value !== 'string') return undefined;
  let text = value;
  for (const secret of secrets) {
    if (secret.length >= MIN_SECRET_LENGTH) text = text.split(secret).join('[redacted]');
  }
  text = text
    .replace(TOKEN_LIKE, '[redacted]')
    // Control characters from a remote body could forge log lines; they become spaces.
    // oxlint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ')
    .trim();
  if (text === '') return undefined;
  return text.length > MAX_LENGTH ? `${text.slice(0, MAX_LENGTH)}…` : text;
}

/** OAuth error codes are short ASCII identifiers (RFC 6749 5.2); anything else is dropped, not echoed. */
export function sanitizeErrorCode(value: unknown): string | undefined {
  return typeof value === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(value) ? value : undefined;
}
