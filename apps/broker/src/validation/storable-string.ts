import { buildMessage, ValidateBy, type ValidationOptions } from 'class-validator';

/**
 * With the `u` flag a well-formed surrogate pair is one code point and does not match: only
 * unpaired surrogates do.
 */
const UNPAIRED_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * What Postgres can hold in `text`: not U+0000, which it refuses outright (the statement fails, a
 * 500), nor an unpaired UTF-16 surrogate, which has no UTF-8 form (the driver would store U+FFFD,
 * so the value would not come back as sent).
 */
const storable = (value: string) => !value.includes('\u0000') && !UNPAIRED_SURROGATE.test(value);

/**
 * Refuses strings Postgres cannot store with a 400 naming the field (API.md "Canonical ids and
 * bounded reads"); every other character, control and invisible ones included, is stored and
 * returned verbatim. Every string field of a DTO carries it, unless its value comes from a fixed
 * vocabulary (`@IsIn`, `@IsUUID`, `@IsCanonicalUuid`) that cannot contain such characters anyway.
 * Checked even where a pattern would refuse the value too, so a loosened pattern cannot let one in.
 */
export function IsStorableString(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isStorableString',
      validator: {
        // Other types are IsString's (or the pattern's) to refuse, with their own message.
        validate: (value: unknown) => typeof value !== 'string' || storable(value),
        defaultMessage: buildMessage(
          (eachPrefix) => `${eachPrefix}$property must not contain NUL (U+0000) or unpaired surrogates`,
          options,
        ),
      },
    },
    options,
  );
}
