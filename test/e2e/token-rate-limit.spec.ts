import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connectOAuth, readToken, type ConnectionJson } from '../support/connect-flow.js';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text.js';
import { startSandboxedBroker, type SandboxedBroker } from '../support/sandboxed-broker.js';

// A burst of 3, then one token per 1000 s: nothing refills while the test runs, so no timing matters.
const BURST = 3;

describe('token endpoint rate limit per API key', () => {
  let broker: SandboxedBroker;
  let connection: ConnectionJson;
  beforeAll(async () => {
    broker = await startSandboxedBroker({
      env: { TOKEN_RATE_LIMIT_PER_SECOND: '0.001', TOKEN_RATE_LIMIT_BURST: String(BURST) },
    });
    connection = await connectOAuth(broker);
  });
  afterAll(() => broker.close());

  const createKey = async (name: string) => {
    const created = await broker.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: broker.admin,
      payload: { name, scopes: ['tokens:read'] },
    });
    expect(created.statusCode).toBe(201);
    return `Bearer ${created.json<{ key: string }>().key}`;
  };
  const statuses = async (count: number, authorization: string) => {
    const codes: number[] = [];
    for (let i = 0; i < count; i++)
      codes.push((await readToken(broker, connection.id, 30, authorization)).statusCode);
    return codes;
  };

  it('answers 429 with Retry-After once a key has used its burst, and leaves other keys alone', async () => {
    const busy = await createKey('busy consumer');
    const quiet = await createKey('quiet consumer');
    expect(await statuses(BURST, busy)).toEqual(Array(BURST).fill(200));

    const limited = await readToken(broker, connection.id, 30, busy);
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
    const retryAfter = Number(limited.headers['retry-after']);
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 1000).toBe(true);
    expect(limited.json()).toMatchObject({ status: 429, title: 'Too many token requests' });
    expect(limited.json<{ detail: string }>().detail).toMatch(
      /0\.001 tokens per second.*bursts of up to 3.*TOKEN_RATE_LIMIT_PER_SECOND/,
    );
    expect(JSON.stringify(limited.json())).not.toContain('accessToken');

    expect(await statuses(BURST, quiet)).toEqual(Array(BURST).fill(200));
  });

  it('checks the key before the limit: unknown keys get 401 and spend nobody’s tokens', async () => {
    const key = await createKey('checked first');
    for (let i = 0; i < BURST + 2; i++) {
      const response = await readToken(broker, connection.id, 30, `${key}-wrong`);
      expect(response.statusCode).toBe(401);
    }
    expect(await statuses(BURST, key)).toEqual(Array(BURST).fill(200));
  });

  it('limits the bootstrap admin key like any other, on the token route only', async () => {
    const admin = broker.admin.authorization;
    expect(await statuses(BURST + 1, admin)).toEqual([...Array(BURST).fill(200), 429]);
    const list = await broker.app.inject({ url: '/v1/connections', headers: broker.admin });
    expect(list.statusCode).toBe(200);
  });

  it('shows refused reads in the token latency histogram as status 429', async () => {
    const samples = parsePrometheusText((await broker.app.inject({ url: '/metrics' })).body);
    expect(
      sampleValue(samples, 'broker_token_request_duration_seconds_count', { status: '429' }),
    ).toBeGreaterThanOrEqual(2);
  });
});
