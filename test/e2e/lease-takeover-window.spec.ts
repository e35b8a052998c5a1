import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PrismaService } from '#libs/database';
import { claimDueQuery } from '../../apps/broker/src/refresh/claim-due.query.js';
import { DatabaseAvailability } from '../../apps/broker/src/refresh/database-availability.js';
import { TAKEOVER_STATEMENT_WINDOW_MS, takeoverDeadline } from '../../apps/broker/src/refresh/lease-rule.js';
import { connectOAuth } from '../support/connect-flow.js';
import { startSandboxedBroker, type SandboxedBroker } from '../support/sandboxed-broker.js';
import { sql } from '../support/sql.js';

/**
 * A statement allowed to take over an expired lease carries that permission only briefly: one held
 * up on its way (a network stall) and arriving later must not take over a lease whose holder may
 * have stored its tokens by then (lease-rule.ts).
 */
describe('the takeover permission of a claim statement', () => {
  let broker: SandboxedBroker;
  beforeAll(async () => {
    broker = await startSandboxedBroker();
  });
  afterAll(() => broker.close());

  it('expires inside SQL when the statement arrives after its window', async () => {
    const { id } = await connectOAuth(broker);
    // A lease that ran out a minute ago, on a due row: only a takeover can claim it.
    await sql(
      broker.database.url,
      `UPDATE connections SET lease_token = gen_random_uuid(), lease_expires_at = now() - interval '1 minute',
              refresh_due_at = now() - interval '1 second' WHERE id = $1`,
      [id],
    );
    const prisma = broker.app.get(PrismaService);
    const offset = broker.app.get(DatabaseAvailability).clockOffsetMs;
    const build = () => claimDueQuery(10, 10, { takeoverUntil: takeoverDeadline(offset), held: [] });

    const delayed = build();
    await new Promise((resolve) => setTimeout(resolve, TAKEOVER_STATEMENT_WINDOW_MS + 500));
    expect(await prisma.$queryRaw<{ connectionId: string }[]>(delayed)).toEqual([]);

    const prompt = await prisma.$queryRaw<{ connectionId: string }[]>(build());
    expect(prompt.map((row) => row.connectionId)).toEqual([id]);
  });
});
