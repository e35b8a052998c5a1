import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestBroker, type TestBroker } from '../support/broker-app.js';

/** Requests Fastify refuses before any route runs: they too get problem+json, never Fastify's own JSON or a 500. */
describe('requests refused before routing', () => {
  let broker: TestBroker;
  let port: number;
  const admin = () => ({ authorization: `Bearer ${broker.adminKey}` });
  beforeAll(async () => {
    broker = await startTestBroker();
    await broker.app.listen({ port: 0, host: '127.0.0.1' });
    port = (broker.app.getHttpServer().address() as { port: number }).port;
  });
  afterAll(() => broker.close());

  it('answers a URL with broken percent-encoding with a 400 problem that does not quote the URL', async () => {
    const response = await broker.app.inject({
      method: 'DELETE',
      url: '/v1/connections/%zz',
      headers: admin(),
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ status: 400, title: 'Bad Request' });
    expect(response.body).not.toContain('%zz');
  });

  it('answers a path segment longer than the router allows with a 414 problem', async () => {
    const response = await broker.app.inject({ url: `/v1/connections/${'x'.repeat(200)}`, headers: admin() });
    expect(response.statusCode).toBe(414);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('answers a body of deeply nested JSON with a 400 problem, not a stack overflow', async () => {
    const response = await broker.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: { ...admin(), 'content-type': 'application/json' },
      payload: `{"name":${'['.repeat(20_000)}${']'.repeat(20_000)}}`,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ status: 400, detail: expect.stringContaining('nested') });
  });

  it('answers headers larger than Node accepts with a 431 problem on the wire', async () => {
    const raw = await rawExchange(
      port,
      `GET /health/live?q=${'x'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    );
    expect(raw).toMatch(/^HTTP\/1\.1 431 /);
    expect(raw).toMatch(/content-type: application\/problem\+json/i);
    expect(JSON.parse(raw.split('\r\n\r\n')[1]!)).toMatchObject({ status: 431 });
  });

  it('answers bytes that are not HTTP with a 400 problem', async () => {
    const raw = await rawExchange(port, 'NOT HTTP AT ALL\r\n\r\n');
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    expect(raw).toMatch(/content-type: application\/problem\+json/i);
  });
});

/** Writes bytes on a fresh socket and reads until the server closes it. */
function rawExchange(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}
