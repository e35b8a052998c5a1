import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { ConnectionCountsRepository } from '../../apps/broker/src/metrics/connection-counts.repository.js';
import { CONNECTION_COUNTS_MAX_AGE_MS } from '../../apps/broker/src/metrics/state-gauges.js';
import { RefreshPump } from '../../apps/broker/src/refresh/refresh-pump.js';
import { TOKEN_READ_OUTCOMES } from '../../apps/broker/src/metrics/token-read-metrics.js';
import { connectOAuth, readToken, storedRefreshToken } from '../support/connect-flow.js';
import { parsePrometheusText, type Sample, sampleValue } from '../support/prometheus-text.js';
import { startSandboxedBroker, type SandboxedBroker } from '../support/sandboxed-broker.js';
import { sql } from '../support/sql.js';

describe('GET /metrics', () => {
  let broker: SandboxedBroker;
  beforeAll(async () => {
    broker = await startSandboxedBroker();
  });
  afterAll(() => broker.close());

  const scrape = async (): Promise<Sample[]> => {
    const response = await broker.app.inject({ url: '/metrics' });
    expect(response.statusCode).toBe(200);
    return parsePrometheusText(response.body);
  };
  /** A scrape whose connection counts were read after everything the test did before it. */
  const freshScrape = async (): Promise<Sample[]> => {
    await sleep(CONNECTION_COUNTS_MAX_AGE_MS);
    return scrape();
  };

  /** Runs one tick of the background refresher (off in tests) on a connection made due `secondsAgo`. */
  const scheduledRefresh = async (id: string, secondsAgo: number) => {
    await sql(
      broker.database.url,
      `UPDATE connections SET refresh_due_at = now() - $2 * interval '1 second' WHERE id = $1`,
      [id, secondsAgo],
    );
    const pump = broker.app.get(RefreshPump);
    await pump.run();
    await pump.idle();
  };

  it('answers without an API key, in the Prometheus text format, with process and pool metrics', async () => {
    const response = await broker.app.inject({ url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const samples = parsePrometheusText(response.body);
    expect(sampleValue(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sampleValue(samples, 'broker_change_feed_up')).toBe(1);
    expect(sampleValue(samples, 'broker_db_pool_max_connections')).toBe(10);
    expect(sampleValue(samples, 'broker_db_pool_connections')).toBeGreaterThanOrEqual(1);
    expect(samples.some((s) => s.name === 'broker_db_pool_waiting_requests')).toBe(true);
    for (const outcome of TOKEN_READ_OUTCOMES) {
      expect(samples).toContainEqual({ name: 'broker_token_reads_total', labels: { outcome }, value: 0 });
    }
  });

  it('counts token reads, refreshes by outcome, refresh lag, latency and connections by status', async () => {
    const before = await scrape();
    const delta = (after: Sample[], name: string, labels: Record<string, string> = {}) =>
      sampleValue(after, name, labels) - sampleValue(before, name, labels);

    const healthy = await connectOAuth(broker, { sub: 'w0', masterSipId: '2556404' });
    expect((await readToken(broker, healthy.id)).statusCode).toBe(200);
    expect((await readToken(broker, healthy.id)).statusCode).toBe(200);
    expect((await readToken(broker, '7b0d5a5e-0000-4000-8000-000000000000')).statusCode).toBe(404);
    // Through Nest rather than the fast path: a HEAD, and parameters only the ValidationPipe judges.
    const head = await broker.app.inject({
      method: 'HEAD',
      url: `/v1/connections/${healthy.id}/token`,
      headers: { authorization: broker.admin.authorization },
    });
    expect(head.statusCode).toBe(200);
    expect((await readToken(broker, 'not-a-uuid')).statusCode).toBe(400);

    // A scheduled refresh that starts 30 s late, then one that sipgate answers with 503.
    await scheduledRefresh(healthy.id, 30);
    broker.sandbox.setTokenEndpointFault({ status: 503 });
    try {
      await scheduledRefresh(healthy.id, 0);
    } finally {
      broker.sandbox.setTokenEndpointFault(null);
    }

    // sipgate refuses the grant of another connection when a reader needs a fresh token.
    const revoked = await connectOAuth(broker, { sub: 'w1', masterSipId: '2556404' });
    broker.sandbox.revokeGrantsOf('w1', '2556404');
    await sql(broker.database.url, `UPDATE connections SET access_token_expires_at = now() WHERE id = $1`, [
      revoked.id,
    ]);
    expect((await readToken(broker, revoked.id, 60)).statusCode).toBe(409);

    const after = await freshScrape();
    expect(delta(after, 'broker_token_reads_total', { outcome: 'db' })).toBeGreaterThanOrEqual(1);
    expect(delta(after, 'broker_token_reads_total', { outcome: 'cache_hit' })).toBeGreaterThanOrEqual(1);
    expect(delta(after, 'broker_token_reads_total', { outcome: 'not_found' })).toBe(1);
    expect(delta(after, 'broker_token_reads_total', { outcome: 'reauth_required' })).toBe(1);

    expect(delta(after, 'broker_refreshes_total', { outcome: 'success' })).toBe(1);
    expect(delta(after, 'broker_refreshes_total', { outcome: 'transient_failure' })).toBe(1);
    expect(delta(after, 'broker_refreshes_total', { outcome: 'reauth_required' })).toBe(1);
    expect(delta(after, 'broker_connection_events_total', { event: 'connection.connected' })).toBe(2);

    // Both scheduled starts are in the histogram; the 30 s late one lies above the 10 s bucket.
    expect(delta(after, 'broker_refresh_lag_seconds_count')).toBe(2);
    expect(delta(after, 'broker_refresh_lag_seconds_bucket', { le: '10' })).toBe(1);
    expect(delta(after, 'broker_refresh_lag_seconds_sum')).toBeGreaterThanOrEqual(30);

    // Every token request is timed once, whichever path answered it (the HEAD is one of the 200s).
    expect(delta(after, 'broker_token_request_duration_seconds_count', { status: '200' })).toBe(3);
    expect(delta(after, 'broker_token_request_duration_seconds_count', { status: '400' })).toBe(1);
    expect(delta(after, 'broker_token_request_duration_seconds_count', { status: '404' })).toBe(1);
    expect(delta(after, 'broker_token_request_duration_seconds_count', { status: '409' })).toBe(1);
    // Only the token route is timed: the admin calls above are not.
    expect(after.filter((s) => s.name === 'broker_token_request_duration_seconds_count')).toHaveLength(4);

    expect(sampleValue(after, 'broker_connections', { type: 'oauth', status: 'active' })).toBe(1);
    expect(sampleValue(after, 'broker_connections', { type: 'oauth', status: 'reauth_required' })).toBe(1);
    expect(sampleValue(after, 'broker_connections', { type: 'pat', status: 'active' })).toBe(0);
  });

  it('never shows a secret, an API key or a connection id, in a label or anywhere else', async () => {
    const created = await broker.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: broker.admin,
      payload: { name: 'metrics reader', scopes: ['tokens:read'] },
    });
    const apiKey = created.json<{ key: string }>().key;
    const oauth = await connectOAuth(broker, { sub: 'w0', masterSipId: '3141592' });
    const read = await readToken(broker, oauth.id, undefined, `Bearer ${apiKey}`);
    const accessToken = read.json<{ accessToken: string }>().accessToken;
    const refreshToken = await storedRefreshToken(broker, oauth.id);
    const pat = broker.sandbox.pats()[0]!;
    const patConnection = await broker.app.inject({
      method: 'POST',
      url: '/v1/connections/pat',
      headers: broker.admin,
      payload: { tokenId: pat.tokenId, token: pat.token },
    });
    await readToken(broker, patConnection.json<{ id: string }>().id);

    const body = (await broker.app.inject({ url: '/metrics' })).body;
    const samples = parsePrometheusText(body);
    const secrets = [accessToken, refreshToken, apiKey, broker.adminKey, pat.token];
    const labelValues = samples.flatMap((s) => Object.values(s.labels));
    for (const [index, secret] of secrets.entries()) {
      expect(secret.length).toBeGreaterThan(16);
      expect({ index, inLabel: labelValues.some((value) => value.includes(secret)) }).toEqual({
        index,
        inLabel: false,
      });
      expect({ index, inBody: body.includes(secret) }).toEqual({ index, inBody: false });
    }
    expect(body).not.toContain(oauth.id);
    expect(body).not.toContain(patConnection.json<{ id: string }>().id);
  });

  it('still answers when the database does not, leaving out only the connection counts', async () => {
    const counts = broker.app.get(ConnectionCountsRepository);
    const failing = jest
      .spyOn(counts, 'countByTypeAndStatus')
      .mockRejectedValue(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
    try {
      const samples = await freshScrape();
      expect(samples.some((s) => s.name === 'broker_connections')).toBe(false);
      expect(samples.some((s) => s.name === 'broker_token_reads_total')).toBe(true);
    } finally {
      failing.mockRestore();
    }
    expect((await freshScrape()).some((s) => s.name === 'broker_connections')).toBe(true);
  });
});
