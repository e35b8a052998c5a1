import fc from 'fast-check';
import { brokenJsonText, hostileJson, hostileString, hostileUrlPart, randomCase } from './hostile-values.js';
import { exampleBody, type Operation } from './openapi-operations.js';

export interface FuzzRequest {
  method: string;
  /** Path and query exactly as sent on the wire. */
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** The JSON object sent, when the body is valid JSON of an object: what a 2xx must read back. */
  sentObject?: Record<string, unknown>;
  /** What was made invalid, for the report. */
  what: string[];
}

export interface Fixtures {
  /** Ids that exist (an OAuth and a PAT connection, an API key), to be sent in other letter cases. */
  existingIds: string[];
  adminAuthorization: string;
}

const CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-16',
  'application/xml',
  'application/problem+json',
];

/** One operation's requests, each with one to a few things made invalid (or merely unusual). */
export function invalidRequests(operation: Operation, fixtures: Fixtures): fc.Arbitrary<FuzzRequest> {
  // A DELETE of an existing id (in any case) succeeds and would use up the fixtures: those only get unknown ids.
  const known = operation.method === 'DELETE' ? [] : fixtures.existingIds;
  const id = fc.oneof(
    ...(known.length
      ? [
          {
            arbitrary: fc
              .constantFrom(...known)
              .chain(randomCase)
              .map((v) => ({ v, what: 'id: existing, case changed' })),
            weight: 3,
          },
        ]
      : []),
    fc
      .uuid()
      .chain(randomCase)
      .map((v) => ({ v, what: 'id: unknown uuid' })),
    hostileUrlPart.map((v) => ({ v, what: `id: ${v.slice(0, 40)}` })),
    fc
      .constantFrom(
        '0',
        'not-a-uuid',
        '6f1c2b9e8d4a4e7bb3a10c9d8e7f6a5b',
        '{6f1c2b9e-8d4a-4e7b-b3a1-0c9d8e7f6a5b}',
        '6f1c2b9e-8d4a-4e7b-b3a1-0c9d8e7f6a5bx',
      )
      .map((v) => ({ v, what: `id: ${v}` })),
  );
  const queryName = fc.constantFrom(
    ...operation.queryParams,
    'unknownParam',
    'limit[]',
    'status[x]',
    '__proto__',
  );
  const query = fc
    .array(fc.tuple(queryName, hostileUrlPart), { minLength: 1, maxLength: 4 })
    .map((pairs) => ({
      v: pairs.map(([name, value]) => `${encodeURIComponent(name)}=${value}`).join('&'),
      what: `query: ${pairs.map(([name, value]) => `${name}=${value.slice(0, 30)}`).join('&')}`,
    }));
  const body = operation.body
    ? bodies(
        exampleBody(operation.body),
        Object.keys(operation.body.properties ?? {}),
        operation.body.required ?? [],
      )
    : stray;
  const contentType = fc.constantFrom(...CONTENT_TYPES).map((v) => ({ v, what: `content-type: ${v}` }));
  const authorization = fc
    .constantFrom(
      '',
      'Bearer',
      'Bearer ',
      `Bearer ${'x'.repeat(5000)}`,
      'Basic Zm9vOmJhcg==',
      'bearer sgtb_unknown',
      `${fixtures.adminAuthorization} x`,
    )
    .map((v) => ({ v, what: `authorization: ${v.slice(0, 30)}` }));

  return fc
    .record(
      {
        id: operation.pathParams.includes('id') ? sometimes(id, 2, 3) : fc.constant(null),
        query: sometimes(query, 1, 3),
        body: sometimes(body, operation.body ? 3 : 1, 4),
        contentType: sometimes(contentType, 1, 6),
        authorization: sometimes(authorization, 1, 12),
      },
      { requiredKeys: [] },
    )
    .map(
      ({ id: idPart, query: queryPart, body: bodyPart, contentType: typePart, authorization: authPart }) => {
        const what = [idPart, queryPart, bodyPart, typePart, authPart].flatMap((part) =>
          part ? [part.what] : [],
        );
        const path = operation.path.replace('{id}', idPart?.v ?? fixtures.existingIds[0]!);
        const sentBody = bodyPart
          ? bodyPart.text
          : operation.body
            ? JSON.stringify(exampleBody(operation.body))
            : undefined;
        const headers: Record<string, string> = {
          accept: 'application/json',
          authorization: authPart ? authPart.v : fixtures.adminAuthorization,
        };
        if (sentBody !== undefined) headers['content-type'] = typePart?.v ?? 'application/json';
        return {
          method: operation.method,
          url: queryPart ? `${path}?${queryPart.v}` : path,
          headers,
          ...(sentBody !== undefined && { body: sentBody }),
          ...(bodyPart?.object && !typePart && { sentObject: bodyPart.object }),
          what: what.length ? what : ['nothing: a valid request'],
        };
      },
    );
}

/** `part` in `share` of `out of` requests, null (left valid) in the others. */
function sometimes<T>(part: fc.Arbitrary<T>, share: number, outOf: number): fc.Arbitrary<T | null> {
  return fc.oneof(
    { arbitrary: part, weight: share },
    { arbitrary: fc.constant(null), weight: outOf - share },
  );
}

interface BodyPart {
  text: string;
  object?: Record<string, unknown>;
  what: string;
}

function bodies(
  example: Record<string, unknown>,
  fields: string[],
  required: string[],
): fc.Arbitrary<BodyPart> {
  const asJson = (object: Record<string, unknown>, what: string): BodyPart => ({
    text: JSON.stringify(object),
    object,
    what,
  });
  return fc.oneof(
    ...(fields.length
      ? [
          // Hostile text where text is expected reaches deepest (the database), so it comes most often.
          {
            arbitrary: fc
              .tuple(fc.constantFrom(...fields), hostileString)
              .map(([field, value]) =>
                asJson({ ...example, [field]: value }, `body.${field}: ${describe(value)}`),
              ),
            weight: 3,
          },
          fc
            .tuple(fc.constantFrom(...fields), hostileJson)
            .map(([field, value]) =>
              asJson({ ...example, [field]: value }, `body.${field}: ${describe(value)}`),
            ),
        ]
      : []),
    ...(required.length
      ? [
          fc.constantFrom(...required).map((field) => {
            const { [field]: _missing, ...rest } = example;
            return asJson(rest, `body.${field}: missing`);
          }),
        ]
      : []),
    fc
      .tuple(fc.constantFrom('unknownField', 'id', 'key', 'status', '__proto__'), hostileJson)
      .map(([field, value]) => asJson({ ...example, [field]: value }, `body: unknown field ${field}`)),
    hostileJson.map((value) => ({ text: JSON.stringify(value) ?? 'null', what: `body: ${describe(value)}` })),
    brokenJsonText.map((text) => ({ text, what: `body: broken JSON ${describe(text)}` })),
  );
}

/** A body where the operation takes none. */
const stray: fc.Arbitrary<BodyPart> = fc.oneof(
  hostileJson.map((value) => ({
    text: JSON.stringify(value) ?? 'null',
    what: `unexpected body ${describe(value)}`,
  })),
  brokenJsonText.map((text) => ({ text, what: `unexpected body: broken JSON ${describe(text)}` })),
);

function describe(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 40 ? `${text.slice(0, 40)}… (${text.length} chars)` : text;
}
