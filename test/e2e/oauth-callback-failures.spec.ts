import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { type Sandbox, startSandbox } from '#libs/sandbox';
import { freePort } from '#libs/testing';
import { loginAtSandbox } from '../support/connect-flow.js';
import { startSandboxedBroker, type SandboxedBroker } from '../support/sandboxed-broker.js';
import { sql } from '../support/sql.js';

const BROWSER = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
const JSON_CLIENT = { accept: 'application/json' };

const stored = async (broker: SandboxedBroker) => ({
  connections: (await sql(broker.database.url, `SELECT id FROM connections`)).length,
  events: (await sql(broker.database.url, `SELECT id FROM webhook_events`)).length,
});

/**
 * After a successful code exchange, sipgate holds a new session for the user. If the connection is
 * not stored after all, nothing would ever refresh or end that session: the broker logs it out.
 */
async function expectOrphanLoggedOut(
  broker: SandboxedBroker,
  headers: Record<string, string>,
  user: { sub: string; masterSipId: string },
) {
  const callback = await loginAtSandbox(broker, user);
  const before = broker.sandbox.stats();
  const response = await broker.app.inject({ url: callback, headers });
  const after = broker.sandbox.stats();
  expect(after.tokenExchanges).toBe(before.tokenExchanges + 1);
  expect(after.logouts).toBe(before.logouts + 1);
  // The session the exchange opened is the one that ended: no grant of the user is left.
  expect(broker.sandbox.revokeGrantsOf(user.sub, user.masterSipId)).toBe(0);
  expect(await stored(broker)).toEqual({ connections: 0, events: 0 });
  return response;
}

describe('an OAuth callback whose code exchange worked but whose userinfo failed', () => {
  let broker: SandboxedBroker;
  beforeAll(async () => {
    // sipgate's login server answers, its API does not (nothing listens there).
    broker = await startSandboxedBroker({
      env: { SIPGATE_API_URL: `http://127.0.0.1:${await freePort()}` },
    });
  });
  afterAll(() => broker.close());

  it('logs the new session out and shows browsers the HTML problem page', async () => {
    const page = await expectOrphanLoggedOut(broker, BROWSER, { sub: 'w0', masterSipId: '2556404' });
    expect(page.statusCode).toBe(503);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['retry-after']).toBe('5');
    expect(page.body).toContain('sipgate is unavailable');
    expect(page.body).toContain('Nothing was stored');
  });

  it('logs the new session out and answers JSON callers with problem+json', async () => {
    const problem = await expectOrphanLoggedOut(broker, JSON_CLIENT, { sub: 'w1', masterSipId: '2556404' });
    expect(problem.statusCode).toBe(503);
    expect(problem.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(problem.json()).toMatchObject({
      status: 503,
      type: expect.stringMatching(/sipgate-unavailable$/),
    });
  });
});

describe('an OAuth callback whose userinfo refuses the token the exchange just issued', () => {
  let other: Sandbox;
  let broker: SandboxedBroker;
  beforeAll(async () => {
    // A second sipgate with keys of its own: it rejects the login server's access tokens.
    other = await startSandbox();
    broker = await startSandboxedBroker({ env: { SIPGATE_API_URL: other.url } });
  });
  afterAll(async () => {
    await broker.close();
    await other.close();
  });

  it('logs the new session out and answers 502, as HTML for browsers and problem+json otherwise', async () => {
    const page = await expectOrphanLoggedOut(broker, BROWSER, { sub: 'w0', masterSipId: '3141592' });
    expect(page.statusCode).toBe(502);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const problem = await expectOrphanLoggedOut(broker, JSON_CLIENT, { sub: 'w1', masterSipId: '2556404' });
    expect(problem.statusCode).toBe(502);
    expect(problem.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});

describe('an OAuth callback whose code exchange worked but whose database write failed', () => {
  let broker: SandboxedBroker;
  beforeAll(async () => {
    broker = await startSandboxedBroker();
  });
  afterAll(() => broker.close());
  afterEach(() =>
    sql(broker.database.url, `ALTER TABLE connections DROP CONSTRAINT IF EXISTS refuse_connections`),
  );

  // Every insert or update of a connection fails, as a full disk or a lost database would make it.
  const refuseWrites = () =>
    sql(
      broker.database.url,
      `ALTER TABLE connections ADD CONSTRAINT refuse_connections CHECK (false) NOT VALID`,
    );

  it('logs the new session out and shows browsers the HTML problem page', async () => {
    await refuseWrites();
    const page = await expectOrphanLoggedOut(broker, BROWSER, { sub: 'w0', masterSipId: '2556404' });
    expect(page.statusCode).toBe(500);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain(page.headers['x-request-id']);
    expect(page.body).toContain('Nothing was stored');
  });

  it('logs the new session out and answers JSON callers with problem+json', async () => {
    await refuseWrites();
    const problem = await expectOrphanLoggedOut(broker, JSON_CLIENT, { sub: 'w1', masterSipId: '2556404' });
    expect(problem.statusCode).toBe(500);
    expect(problem.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(problem.json()).toMatchObject({ status: 500, requestId: problem.headers['x-request-id'] });
  });
});
