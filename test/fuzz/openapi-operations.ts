import { readFileSync } from 'node:fs';

/** The parts of an OpenAPI schema object the fuzzer reads. */
export interface SchemaObject {
  type?: string;
  format?: string;
  enum?: unknown[];
  example?: unknown;
  items?: SchemaObject;
  properties?: Record<string, SchemaObject>;
  required?: string[];
  $ref?: string;
  allOf?: SchemaObject[];
}

export interface Operation {
  method: string;
  /** The path template, e.g. `/v1/connections/{id}`. */
  path: string;
  pathParams: string[];
  queryParams: string[];
  /** The JSON request body's schema, `$ref`s resolved; null without a body. */
  body: SchemaObject | null;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, RawOperation>>;
  components: { schemas: Record<string, SchemaObject> };
}
interface RawOperation {
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, { schema: SchemaObject }> };
}

/** Every operation of the committed OpenAPI document, so a new route is fuzzed without touching the fuzzer. */
export function loadOperations(documentPath: string): Operation[] {
  const document = JSON.parse(readFileSync(documentPath, 'utf8')) as OpenApiDocument;
  const resolve = (schema: SchemaObject): SchemaObject => {
    if (schema.$ref) return resolve(document.components.schemas[schema.$ref.split('/').pop()!]!);
    if (schema.allOf?.length === 1) return resolve(schema.allOf[0]!);
    const properties =
      schema.properties &&
      Object.fromEntries(Object.entries(schema.properties).map(([name, value]) => [name, resolve(value)]));
    return {
      ...schema,
      ...(properties && { properties }),
      ...(schema.items && { items: resolve(schema.items) }),
    };
  };
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => {
      const parameters = operation.parameters ?? [];
      const json = operation.requestBody?.content['application/json'];
      return {
        method: method.toUpperCase(),
        path,
        pathParams: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: parameters.filter((p) => p.in === 'query').map((p) => p.name),
        body: json ? resolve(json.schema) : null,
      };
    }),
  );
}

/** A body the operation accepts, built from the examples of its required (and example-bearing) fields. */
export function exampleBody(schema: SchemaObject): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    if (property.example !== undefined) body[name] = property.example;
    else if (schema.required?.includes(name)) body[name] = property.enum?.[0] ?? 'x';
  }
  return body;
}
