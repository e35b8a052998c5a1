import fc from 'fast-check';

/** Strings that break naive handling: NUL and other control characters, bidi and invisible marks, lone surrogates, huge. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  // NUL anywhere in a string: Postgres cannot store it in text.
  {
    arbitrary: fc
      .tuple(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }))
      .map(([before, after]) => `${before}\u0000${after}`),
    weight: 3,
  },
  {
    arbitrary: fc.constantFrom(
      '',
      ' ',
      '\u0001\u0007\u001b[31m',
      '\r\n\t',
      '\u202e\u200b\ufeff',
      '\ud800',
      'a\udfffb',
      '💥🧨',
      'Ω≈ç√',
      '../../etc/passwd',
      "'; DROP TABLE connections; --",
      '%00',
      '{}',
      'null',
    ),
    weight: 3,
  },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }), weight: 2 },
  { arbitrary: fc.integer({ min: 201, max: 70_000 }).map((n) => 'x'.repeat(n)), weight: 1 },
);

/** Any JSON value, of any type, including the hostile strings. */
export const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.constantFrom(null, true, false, 0, -1, 1e308, -0.5, 2 ** 53, [], {}, [null], { a: 1 }),
  fc.integer(),
  fc.double(),
  fc.array(hostileString, { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 8 }), hostileString, { maxKeys: 3 }),
);

/** Malformed JSON texts, and texts valid JSON parsers often disagree on. */
export const brokenJsonText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '{',
    '{"label":',
    '{"label":"a"}}',
    '{"label":"\\u00zz"}',
    '{"label":"\u0000"}',
    '\ufeff{"label":"a"}',
    "{'label':'a'}",
    '{"label":"a",}',
    'NaN',
    '[',
    '"',
    '{"__proto__":{"admin":true}}',
    '{"constructor":{"prototype":{"x":1}}}',
  ),
  fc.integer({ min: 1_000, max: 20_000 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
  fc.string({ unit: 'binary', maxLength: 60 }),
);

/** Percent-encodes every byte of the UTF-8 form except unreserved characters (lone surrogates become U+FFFD, as on the wire). */
export function percentEncode(value: string): string {
  let encoded = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const char = String.fromCharCode(byte);
    encoded += /[A-Za-z0-9\-._~]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}

/** Path or query text as it may reach the server: encoded hostile strings, or raw broken percent sequences. */
export const hostileUrlPart: fc.Arbitrary<string> = fc.oneof(
  hostileString.map(percentEncode),
  fc.constantFrom('%', '%zz', '%00', '%C0%80', '%FF%FE', '%E2%82', '..', '%2e%2e', '%2F', '%5C', '+', '%20'),
);

/** Randomly upper-cases the letters of a value (UUIDs must be accepted in any case). */
export function randomCase(value: string): fc.Arbitrary<string> {
  return fc
    .array(fc.boolean(), { minLength: value.length, maxLength: value.length })
    .map((upper) => Array.from(value, (char, i) => (upper[i] ? char.toUpperCase() : char)).join(''));
}
