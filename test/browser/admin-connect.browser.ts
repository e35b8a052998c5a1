import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { type Sandbox, startSandbox } from '#libs/sandbox';
import { freePort } from '#libs/testing';
import { startSandboxedBroker, TEST_CLIENT, type SandboxedBroker } from '../support/sandboxed-broker.js';
import { type Chromium, launchChromium, withScreenshots } from './chromium.js';

/** The browser globals read in `evaluate` (evaluated in the page; the project has no DOM typings). */
interface BrowserGlobals {
  localStorage: Record<string, string>;
  sessionStorage: Record<string, string>;
  getComputedStyle(element: unknown): { color: string };
}

/** Opens an operation in Swagger UI and presses "Try it out". */
async function tryOut(page: Page, operationId: string) {
  const operation = page.locator(`#operations-connections-${operationId}`);
  await operation.locator('.opblock-summary').click();
  await operation.getByRole('button', { name: 'Try it out' }).click();
  return operation;
}

/** Presses "Execute" and returns the live response's status and body as Swagger UI shows them. */
async function execute(operation: ReturnType<Page['locator']>): Promise<{ status: string; body: string }> {
  await operation.getByRole('button', { name: 'Execute' }).click();
  const response = operation.locator('.live-responses-table .response').first();
  const body = response.locator('.response-col_description pre').first();
  await body.waitFor();
  await response.scrollIntoViewIfNeeded();
  return {
    status: (await response.locator('.response-col_status').innerText()).trim(),
    body: await body.innerText(),
  };
}

describe('admin flow in the browser: Swagger UI → sipgate login → callback → connection listed', () => {
  let sandbox: Sandbox;
  let broker: SandboxedBroker;
  let browser: Chromium;
  let publicUrl: string;

  beforeAll(async () => {
    // Picked before the broker starts: the OAuth redirect URI the sandbox allows must name it.
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}`;
    sandbox = await startSandbox({
      clients: [{ ...TEST_CLIENT, redirectUris: [`${publicUrl}/v1/oauth/callback`] }],
    });
    broker = await startSandboxedBroker({ sandbox, env: { BROKER_PUBLIC_URL: publicUrl } });
    await broker.app.listen({ port, host: '127.0.0.1' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await broker?.close();
    await sandbox?.close();
  });

  it('connects a sipgate account through Swagger UI and lists it', async () => {
    // Chromium reports every resource, inline style or script a policy blocks on the console.
    const violations: string[] = [];
    browser.context.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    await withScreenshots(browser, 'admin-connect', async (step) => {
      const docs = browser.context.pages()[0] ?? (await browser.context.newPage());
      const served = await docs.goto(`${publicUrl}/docs`);
      expect(served?.headers()['content-security-policy']).toMatch(/script-src 'self'(;|$)/);
      await docs.getByRole('heading', { name: /sipgate token broker/ }).waitFor();
      await step('swagger-ui');

      // Authorize with the admin API key (the `api-key` bearer scheme).
      await docs.locator('.auth-wrapper').getByRole('button', { name: 'Authorize' }).click();
      const dialog = docs.locator('.modal-ux');
      await dialog.getByLabel('auth-bearer-value').fill(broker.adminKey);
      await step('authorize-dialog');
      await dialog.getByRole('button', { name: 'Apply credentials' }).click();
      await dialog.getByRole('button', { name: 'Remove authorization' }).waitFor();
      await dialog.locator('.auth-btn-wrapper').getByRole('button', { name: 'Close' }).click();
      // Kept in the page only: storage would hand the admin key to any later script of this origin.
      const stored = await docs.evaluate(() => {
        const { localStorage, sessionStorage } = globalThis as unknown as BrowserGlobals;
        return JSON.stringify([{ ...localStorage }, { ...sessionStorage }]);
      });
      expect(stored).not.toContain(broker.adminKey);

      // Start an OAuth connection.
      const start = await tryOut(docs, 'startOAuthConnection');
      await start
        .locator('textarea.body-param__text')
        .fill(JSON.stringify({ label: 'connected in a browser' }));
      const started = await execute(start);
      await step('oauth-started');
      expect(started.status).toBe('201');
      const { authorizationUrl } = JSON.parse(started.body) as { authorizationUrl: string };
      expect(authorizationUrl.startsWith(`${sandbox.url}/auth/realms/`)).toBe(true);

      // Log in at sipgate (the sandbox) in a second tab, as an admin would from the copied URL.
      const login = await browser.context.newPage();
      await login.goto(authorizationUrl);
      await login.getByRole('heading', { name: 'Sign in to sipgate' }).waitFor();
      await step('sipgate-login');
      await login.getByRole('button', { name: /Demo Kollegin/ }).click();
      await login.waitForURL(`${publicUrl}/v1/oauth/callback?**`);
      await expect(login.getByRole('heading', { level: 1 }).innerText()).resolves.toBe(
        'sipgate account connected',
      );
      const connectionId = await login.locator('#connection-id').innerText();
      // The page's own stylesheet is allowed by its hash: the heading has the page's colour.
      const colour = login
        .getByRole('heading', { level: 1 })
        .evaluate((h1) => (globalThis as unknown as BrowserGlobals).getComputedStyle(h1).color);
      await expect(colour).resolves.toBe('rgb(10, 125, 56)');
      await step('callback-page');

      // Back in Swagger UI, the connection is listed.
      await docs.bringToFront();
      const list = await tryOut(docs, 'listConnections');
      // No filter may be pre-filled: the admin expects every connection.
      await expect(list.locator('tr[data-param-name="sipgateUserId"] input').inputValue()).resolves.toBe('');
      const listed = await execute(list);
      await step('connections-listed');
      expect(listed.status).toBe('200');
      const { items } = JSON.parse(listed.body) as { items: { id: string; label: string; status: string }[] };
      expect(items).toContainEqual(
        expect.objectContaining({ id: connectionId, label: 'connected in a browser', status: 'active' }),
      );
    });
    expect(violations).toEqual([]);
  });
});
