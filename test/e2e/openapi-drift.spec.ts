import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestBroker, type TestBroker } from '../support/broker-app.js';

const COMMITTED = join(process.cwd(), 'docs', 'openapi.json');

/**
 * The OpenAPI document is part of the product: its committed copy (docs/openapi.json) is what
 * consumers generate clients from and review in pull requests, so it must match what the broker
 * serves. `npm run openapi:update` rewrites it after an intended change.
 */
describe('the committed OpenAPI document', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startTestBroker();
  });
  afterAll(() => broker.close());

  it('matches the document the broker serves at /docs-json', async () => {
    const served = `${JSON.stringify((await broker.app.inject({ url: '/docs-json' })).json(), null, 2)}\n`;
    if (process.env.UPDATE_OPENAPI === '1') writeFileSync(COMMITTED, served);
    const committed = readFileSync(COMMITTED, 'utf8');
    expect(served).toBe(committed);
  });
});
