import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connectOAuth } from '../support/connect-flow.js';
import { dumpDatabase } from '../support/database-dump.js';
import { startSandboxedBroker, type SandboxedBroker } from '../support/sandboxed-broker.js';
import { sql } from '../support/sql.js';

/**
 * An admin change and its audit record commit together or not at all: the record is written in the
 * change's own transaction, not after it.
 */
describe('audit records and the changes they record', () => {
  let broker: SandboxedBroker;
  beforeAll(async () => {
    broker = await startSandboxedBroker();
  });
  afterAll(() => broker.close());

  /** Each request under a request id of the test's choosing, to find its audit record by. */
  const call = (method: 'POST' | 'PATCH' | 'DELETE', url: string, requestId: string, payload?: object) =>
    broker.app.inject({
      method,
      url,
      headers: { ...broker.admin, 'x-request-id': requestId },
      ...(payload && { payload }),
    });
  const query = <T extends object>(text: string, values: unknown[] = []) =>
    sql<T & Record<string, unknown>>(broker.database.url, text, values);
  const auditedAs = async (requestId: string) =>
    query<{ action: string; targetId: string | null; actorKeyId: string }>(
      `SELECT action, target_id AS "targetId", actor_key_id AS "actorKeyId" FROM audit_events
        WHERE request_id = $1`,
      [requestId],
    );
  /** Every row of every table, in an order that does not depend on where Postgres keeps them. */
  const everyRow = async () => (await dumpDatabase(broker.database.url)).split('\n').sort();

  it('does not make a change whose audit record cannot be stored, and answers with a problem', async () => {
    const key = await call('POST', '/v1/api-keys', 'setup-key', { name: 'ops', scopes: ['admin'] });
    const keyId = key.json<{ id: string }>().id;
    const [patA, patB] = broker.sandbox.pats();
    const pat = await call('POST', '/v1/connections/pat', 'setup-pat', {
      tokenId: patA!.tokenId,
      token: patA!.token,
    });
    const patId = pat.json<{ id: string }>().id;
    const oauth = await connectOAuth(broker, { sub: 'w1' });
    const before = await everyRow();

    // As if the audit table refused writes (a full disk, a revoked grant): every insert fails.
    await query(`CREATE FUNCTION refuse_audit_write() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN RAISE EXCEPTION 'audit_events refuses writes in this test'; END $$`);
    await query(`CREATE TRIGGER refuse_audit_write BEFORE INSERT ON audit_events
                 FOR EACH ROW EXECUTE FUNCTION refuse_audit_write()`);
    const answers = {
      createKey: await call('POST', '/v1/api-keys', 'refused-1', { name: 'ci', scopes: ['tokens:read'] }),
      revokeKey: await call('DELETE', `/v1/api-keys/${keyId}`, 'refused-2'),
      connectPat: await call('POST', '/v1/connections/pat', 'refused-3', {
        tokenId: patB!.tokenId,
        token: patB!.token,
      }),
      relabel: await call('PATCH', `/v1/connections/${patId}`, 'refused-4', { label: 'Front desk' }),
      disconnect: await call('DELETE', `/v1/connections/${patId}`, 'refused-5'),
      startOAuth: await call('POST', '/v1/connections/oauth', 'refused-6', {}),
      refreshNow: await call('POST', `/v1/connections/${oauth.id}/refresh`, 'refused-7'),
    };
    await query('DROP TRIGGER refuse_audit_write ON audit_events');
    await query('DROP FUNCTION refuse_audit_write');

    const statuses = Object.fromEntries(Object.entries(answers).map(([name, r]) => [name, r.statusCode]));
    expect(statuses).toEqual({
      createKey: 500,
      revokeKey: 500,
      connectPat: 500,
      relabel: 500,
      disconnect: 500,
      startOAuth: 500,
      refreshNow: 500,
    });
    for (const answer of Object.values(answers)) {
      expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    // Nothing changed: no key created or revoked, no connection made, relabelled, deleted or
    // refreshed (its refresh token unspent), no login started.
    expect(await everyRow()).toEqual(before);
    // The key still works, so no replica dropped it either.
    const ops = { authorization: `Bearer ${key.json<{ key: string }>().key}` };
    expect((await broker.app.inject({ url: '/v1/api-keys', headers: ops })).statusCode).toBe(200);
  });

  it('keeps the audit record of a change that failed after its commit', async () => {
    const victim = await connectOAuth(broker, { sub: 'w0', masterSipId: '2556404' });
    const other = await connectOAuth(broker, { sub: 'w1' });
    // A refresh token sealed for another row does not open for this one (the AAD binds it to its
    // row), so the disconnect fails when it opens the token to log the session out.
    await query(
      `UPDATE connections SET refresh_token_ciphertext =
         (SELECT refresh_token_ciphertext FROM connections WHERE id = $2) WHERE id = $1`,
      [victim.id, other.id],
    );
    // The issue's own case: an id in upper case (whatever the broker does with it now).
    const upper = await connectOAuth(broker, { sub: 'w0', masterSipId: '3141592' });

    for (const [requestId, id, url] of [
      ['after-commit-1', victim.id, `/v1/connections/${victim.id}`],
      ['after-commit-2', upper.id, `/v1/connections/${upper.id.toUpperCase()}`],
    ] as const) {
      await call('DELETE', url, requestId);
      const deleted = (await query('SELECT id FROM connections WHERE id = $1', [id])).length === 0;
      const audit = await auditedAs(requestId);
      // Deleted if and only if recorded: a disconnect that stands always has its record.
      expect({ deleted, audit }).toEqual({
        deleted,
        audit: deleted ? [{ action: 'connection.delete', targetId: id, actorKeyId: 'bootstrap' }] : [],
      });
    }
    // The first one did commit before failing, which is the case this test is about.
    expect(await query('SELECT id FROM connections WHERE id = $1', [victim.id])).toEqual([]);
  });

  it('writes every audit record in the transaction of its change', async () => {
    /** Postgres stamps each row with the transaction that wrote it last (xmin). */
    const writtenWith = async (requestId: string, table: string, id?: string) =>
      (
        await query<{ n: number }>(
          `SELECT count(*)::int AS n FROM audit_events a JOIN ${table} t ON t.xmin = a.xmin
            WHERE a.request_id = $1 AND ($2::uuid IS NULL OR t.id = $2::uuid)`,
          [requestId, id ?? null],
        )
      )[0]!.n;

    // Each checked before the next change writes its row again.
    const key = await call('POST', '/v1/api-keys', 'tx-1', { name: 'tx', scopes: ['tokens:read'] });
    const keyId = key.json<{ id: string }>().id;
    const createKey = await writtenWith('tx-1', 'api_keys', keyId);
    const revoked = await call('DELETE', `/v1/api-keys/${keyId}`, 'tx-2');
    const revokeKey = await writtenWith('tx-2', 'api_keys', keyId);
    const pat = broker.sandbox.pats()[2]!;
    const connected = await call('POST', '/v1/connections/pat', 'tx-3', {
      tokenId: pat.tokenId,
      token: pat.token,
    });
    const patId = connected.json<{ id: string }>().id;
    const connectPat = await writtenWith('tx-3', 'connections', patId);
    const relabelled = await call('PATCH', `/v1/connections/${patId}`, 'tx-4', { label: 'Desk' });
    const relabel = await writtenWith('tx-4', 'connections', patId);
    const started = await call('POST', '/v1/connections/oauth', 'tx-5', {});
    const startOAuth = await writtenWith('tx-5', 'oauth_attempts');

    expect([key, revoked, connected, relabelled, started].map((r) => r.statusCode)).toEqual([
      201, 204, 201, 200, 201,
    ]);
    expect({ createKey, revokeKey, connectPat, relabel, startOAuth }).toEqual({
      createKey: 1,
      revokeKey: 1,
      connectPat: 1,
      relabel: 1,
      startOAuth: 1,
    });
  });
});
