import { BadRequestException } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** Deeper than any request body of this API; far below what class-transformer's recursion survives. */
const MAX_JSON_DEPTH = 32;

/**
 * JSON bodies through Fastify's own parser (which refuses `__proto__` and `constructor` poisoning),
 * then a depth check: a body of 20,000 nested arrays parses fine but overflows the stack of the
 * ValidationPipe's transformation, which would answer 500.
 */
export function useJsonBodyParser(app: NestFastifyApplication, bodyLimit: number): void {
  const fastify = app.getHttpAdapter().getInstance();
  const parse = fastify.getDefaultJsonParser('error', 'error');
  app.useBodyParser('application/json', { bodyLimit }, (request, body, done) => {
    void parse(request as Parameters<typeof parse>[0], body.toString(), (error, value) => {
      if (error) return done(error, undefined);
      if (depthExceeds(value, MAX_JSON_DEPTH)) {
        return done(
          new BadRequestException(`The JSON body is nested more than ${MAX_JSON_DEPTH} levels deep.`),
          undefined,
        );
      }
      done(null, value);
    });
  });
}

/** Iterative, so that measuring a hostile body cannot overflow the stack itself. */
function depthExceeds(root: unknown, limit: number): boolean {
  const pending: [unknown, number][] = [[root, 1]];
  while (pending.length) {
    const [value, depth] = pending.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth > limit) return true;
    for (const child of Object.values(value)) pending.push([child, depth + 1]);
  }
  return false;
}
