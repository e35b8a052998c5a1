import { inspect } from 'node:util';

/**
 * Renders an error every way it can reach a log line or a response body and reports which renderings
 * contain which secret (by position, so a failing test does not print the secret either).
 */
export function leakedSecrets(error: unknown, secrets: readonly string[]): string[] {
  if (!(error instanceof Error)) return ['not an Error'];
  const renderings: Record<string, string> = {
    message: error.message,
    stack: error.stack ?? '',
    string: String(error),
    json: JSON.stringify(error),
    inspect: inspect(error, { depth: 10, showHidden: true }),
  };
  return Object.entries(renderings).flatMap(([how, rendering]) =>
    secrets.flatMap((secret, index) =>
      rendering.includes(secret) ? [`${how} contains secret #${index}`] : [],
    ),
  );
}
