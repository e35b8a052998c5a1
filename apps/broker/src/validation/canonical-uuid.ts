import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsUUID, isUUID } from 'class-validator';

/**
 * The one spelling of a UUID inside the broker: lower case, as Postgres prints a `uuid`. Callers
 * may send any letter case (API.md "Canonical ids"), but inside the broker an id is also a key of
 * in-memory caches and part of the AES-GCM associated data, where "the same id" must mean "the same
 * string". Undefined for anything `@IsUUID('all')` refuses (both ask validator.js).
 */
export function canonicalUuid(value: unknown): string | undefined {
  return typeof value === 'string' && isUUID(value, 'all') ? value.toLowerCase() : undefined;
}

/**
 * A UUID field (an array of them with `each`), handed to the controller in canonical form, so that
 * nothing behind the boundary ever sees another spelling; anything else is a 400 saying `message`.
 * Transformed before it is validated: `@ArrayUnique` then sees one id sent in two spellings as a repeat.
 */
export function IsCanonicalUuid(message: string, options: { each?: boolean } = {}): PropertyDecorator {
  const canonical = (value: unknown) => canonicalUuid(value) ?? value;
  return applyDecorators(
    Transform(({ value }: { value: unknown }) =>
      options.each && Array.isArray(value) ? value.map(canonical) : canonical(value),
    ),
    IsUUID('all', { each: options.each, message }),
  );
}
