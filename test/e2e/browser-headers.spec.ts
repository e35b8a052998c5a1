import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { LightMyRequestResponse } from 'fastify';
import { loginAtSandbox } from '../support/connect-flow.js';
import { startSandboxedBroker, type SandboxedBroker } from '../support/sandboxed-broker.js';

/** The Content-Security-Policy of a response, as directive name → its sources. */
function cspOf(response: LightMyRequestResponse): Map<string, string[]> {
  const header = response.headers['content-security-policy'] ?? '';
  return new Map(
    header
      .split(';')
      .map((directive) => directive.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name, ...sources]) => [name!, sources]),
  );
}

/** What every response a browser may render carries: no framing, no referrer, no sniffing. */
function expectLockedDown(response: LightMyRequestResponse): Map<string, string[]> {
  const csp = cspOf(response);
  expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
  expect(csp.get('base-uri')).toEqual(["'none'"]);
  expect(csp.has('default-src')).toBe(true);
  expect(response.headers['referrer-policy']).toBe('no-referrer');
  expect(response.headers['x-content-type-options']).toBe('nosniff');
  return csp;
}

describe('browser-facing security headers', () => {
  let broker: SandboxedBroker;
  beforeAll(async () => {
    broker = await startSandboxedBroker();
  });
  afterAll(() => broker.close());

  it('lets Swagger UI load its own scripts and styles and nothing from elsewhere', async () => {
    const ui = await broker.app.inject({ url: '/docs' });
    expect(ui.headers['content-type']).toMatch(/^text\/html/);
    const csp = expectLockedDown(ui);
    expect(csp.get('default-src')).toEqual(["'none'"]);
    // No inline script: Swagger UI's init code is a file of its own (swagger-ui-init.js).
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('connect-src')).toEqual(["'self'"]);
    for (const asset of ['/docs/swagger-ui-init.js', '/docs/swagger-ui.css', '/docs/swagger-ui-bundle.js']) {
      expectLockedDown(await broker.app.inject({ url: asset }));
    }
  });

  it('does not let Swagger UI keep the API key it is given in the browser', async () => {
    const init = await broker.app.inject({ url: '/docs/swagger-ui-init.js' });
    expect(init.body).toMatch(/"persistAuthorization":\s*false/);
  });

  it('sends the OpenAPI document and every API answer with a policy that allows nothing', async () => {
    for (const url of ['/docs-json', '/health/live', '/v1/connections']) {
      const response = await broker.app.inject({ url });
      expect(expectLockedDown(response).get('default-src')).toEqual(["'none'"]);
    }
  });

  it('sends the callback pages, connected and failed, with a policy that allows only their own style', async () => {
    const connected = await broker.app.inject({
      url: await loginAtSandbox(broker, { sub: 'w1' }),
      headers: { accept: 'text/html' },
    });
    const failed = await broker.app.inject({
      url: '/v1/oauth/callback?state=forged&code=abc',
      headers: { accept: 'text/html' },
    });
    expect([connected.statusCode, failed.statusCode]).toEqual([200, 400]);
    for (const page of [connected, failed]) {
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      const csp = expectLockedDown(page);
      expect(csp.get('default-src')).toEqual(["'none'"]);
      // The page's one <style> element, by the hash a browser computes over its text.
      const [, style] = /<style>([^<]*)<\/style>/.exec(page.body) ?? [];
      const hash = createHash('sha256')
        .update(style ?? '')
        .digest('base64');
      expect(csp.get('style-src')).toEqual([`'sha256-${hash}'`]);
      expect(csp.has('script-src')).toBe(false);
      expect(page.body).not.toMatch(/<script|style="/);
    }
  });
});
