import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestBroker, type TestBroker } from '../support/broker-app.js';

describe('HTTP basics', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startTestBroker();
  });
  afterAll(() => broker.close());

  it('answers liveness and readiness', async () => {
    expect((await broker.app.inject({ url: '/health/live' })).json()).toEqual({ status: 'ok' });
    const ready = await broker.app.inject({ url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ok', checks: { database: 'up', migrations: 'applied' } });
  });

  it('answers unknown routes with a problem document and a request id', async () => {
    const response = await broker.app.inject({ url: '/no/such/route' });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ status: 404, title: 'Not found', instance: '/no/such/route' });
    expect(response.json().requestId).toBe(response.headers['x-request-id']);
  });

  it("keeps a caller's plain X-Request-Id and replaces a hostile one", async () => {
    const kept = await broker.app.inject({ url: '/health/live', headers: { 'x-request-id': 'abc-123' } });
    expect(kept.headers['x-request-id']).toBe('abc-123');
    const replaced = await broker.app.inject({
      url: '/health/live',
      headers: { 'x-request-id': 'a\u0000b<script>' },
    });
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves the OpenAPI document and Swagger UI', async () => {
    const document = (await broker.app.inject({ url: '/docs-json' })).json();
    expect(document.openapi).toMatch(/^3\./);
    expect(document.paths['/health/ready'].get.operationId).toBe('ready');
    expect(document.components.securitySchemes['api-key']).toMatchObject({ type: 'http', scheme: 'bearer' });
    const ui = await broker.app.inject({ url: '/docs' });
    expect(ui.statusCode).toBe(200);
    expect(ui.body).toContain('swagger');
  });
});
