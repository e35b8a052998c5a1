import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestBroker, type TestBroker } from '../support/broker-app.js';

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  example?: unknown;
  schema?: { example?: unknown };
}

/** What Swagger UI's "Try it out" fills in by itself; test/browser drives the UI for real. */
describe('OpenAPI document as Swagger UI uses it', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startTestBroker();
  });
  afterAll(() => broker.close());

  it('gives no optional query parameter an example, which Swagger UI would pre-fill as a filter', async () => {
    const { paths } = (await broker.app.inject({ url: '/docs-json' })).json<{
      paths: Record<string, Record<string, { parameters?: Parameter[] }>>;
    }>();
    const optionalQuery = Object.values(paths)
      .flatMap((item) => Object.values(item))
      .flatMap((operation) => operation.parameters ?? [])
      .filter((p) => p.in === 'query' && !p.required);
    expect(optionalQuery.length).toBeGreaterThan(0);
    expect(optionalQuery.filter((p) => p.example !== undefined || p.schema?.example !== undefined)).toEqual(
      [],
    );

    const filter = paths['/v1/connections']!.get!.parameters!.find((p) => p.name === 'sipgateUserId');
    expect(filter?.description).toContain('Example: `w0`');
  });
});
