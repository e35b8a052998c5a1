import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO_USERS } from '#libs/sandbox';
import { freePort } from '#libs/testing';
import { type ChaosStage, startChaosStage } from '../support/chaos.js';
import { sql } from '../support/sql.js';
import { waitFor } from '../support/wait-for.js';

const SECRET = 'whsec-test-0123456789abcdef0123456789';

/**
 * Webhook URLs often carry a receiver's credentials (in userinfo, a path segment or a query
 * parameter). Broker processes, so that their real log output can be read.
 */
describe('secrets in BROKER_WEBHOOK_URL', () => {
  let stage: ChaosStage;
  beforeAll(async () => {
    stage = await startChaosStage(300, DEMO_USERS, { BROKER_WEBHOOK_SECRET: SECRET });
  });
  afterAll(() => stage?.stop());

  it('refuses credentials in the URL at start-up, naming the variable without echoing the value', async () => {
    const url = `http://hooks:s3cr3t-password@127.0.0.1:${await freePort()}/hooks/broker`;
    const start = stage.fleet.start('credentials', { BROKER_WEBHOOK_URL: url });
    await expect(start).rejects.toThrow(/broker exited with 1/);
    const output = String(await start.catch((error: unknown) => error));
    expect(output).toContain('BROKER_WEBHOOK_URL must not contain credentials');
    expect(output).not.toMatch(/s3cr3t|hooks:/);
  });

  it('keeps the URL out of the outbox and the log when a delivery fails', async () => {
    const path = '/hooks/s3cr3t-path?token=s3cr3t-query';
    const broker = await stage.fleet.start('refused', {
      BROKER_WEBHOOK_URL: `http://127.0.0.1:${await freePort()}${path}`,
    });
    const [pat] = stage.sandbox.pats();
    const connected = await broker.request('POST', '/v1/connections/pat', {
      body: { tokenId: pat!.tokenId, token: pat!.token },
    });
    expect(connected.status).toBe(201);

    const failed = () =>
      sql<{ last_error: string | null }>(
        stage.database.url,
        `SELECT last_error FROM webhook_events WHERE last_error IS NOT NULL`,
      );
    expect(await waitFor(async () => (await failed()).length > 0)).toBe(true);
    expect(await failed()).toEqual([{ last_error: 'request failed: ECONNREFUSED' }]);
    const logged = () => broker.process.lines.filter((l) => l.includes('webhook delivery failed'));
    expect(await waitFor(async () => logged().length > 0)).toBe(true);
    expect(JSON.parse(logged()[0]!)).toMatchObject({ err: 'request failed: ECONNREFUSED' });
    expect(broker.process.lines.join('\n')).not.toMatch(/s3cr3t/);
  });
});
