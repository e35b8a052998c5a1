import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PrismaService } from '#libs/database';
import { createTestDatabase, type TestDatabase } from '#libs/testing';
import { ChangeFeed } from '../../apps/broker/src/change-feed/change-feed.service.js';
import { startTestBroker, type TestBroker } from '../support/broker-app.js';
import { within } from '../support/wait-for.js';

describe('API keys', () => {
  let database: TestDatabase;
  let broker: TestBroker;
  let replica: TestBroker; // a second broker on the same database
  const admin = () => ({ authorization: `Bearer ${broker.adminKey}` });
  const sql = <T extends object>(text: string, values: unknown[] = []) =>
    broker.app.get(PrismaService).pool.query<T & Record<string, unknown>>(text, values);
  const rowCount = async () =>
    (await sql<{ n: number }>('SELECT count(*)::int AS n FROM api_keys')).rows[0]?.n;

  const create = (body: object, headers = admin()) =>
    broker.app.inject({ method: 'POST', url: '/v1/api-keys', headers, payload: body });
  const createKey = async (body: object = { name: 'reader', scopes: ['tokens:read'] }) => {
    const response = await create(body);
    expect(response.statusCode).toBe(201);
    return response.json<{ id: string; key: string }>();
  };
  const listKeys = (on: TestBroker, key: string) =>
    on.app.inject({ url: '/v1/api-keys', headers: { authorization: `Bearer ${key}` } });
  const revoke = (id: string) =>
    broker.app.inject({ method: 'DELETE', url: `/v1/api-keys/${id}`, headers: admin() });

  beforeAll(async () => {
    database = await createTestDatabase();
    broker = await startTestBroker({}, database);
    replica = await startTestBroker({}, database);
  });
  afterAll(async () => {
    await replica.close();
    await broker.close();
    await database.drop();
  });

  it('creates a key and shows it once; the list never contains it', async () => {
    const body = { name: 'billing-service', scopes: ['tokens:read'], connectionIds: [randomUUID()] };
    const response = await create(body);
    expect(response.statusCode).toBe(201);
    const created = response.json();
    expect(created).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'billing-service',
      scopes: ['tokens:read'],
      connectionIds: body.connectionIds,
      key: expect.stringMatching(/^sgtb_[\w-]{43}$/),
      keyPrefix: created.key.slice(0, 11),
      createdAt: expect.any(String),
      revokedAt: null,
    });

    const list = await listKeys(broker, broker.adminKey);
    expect(list.statusCode).toBe(200);
    expect(list.json().items).toContainEqual({
      id: created.id,
      name: 'billing-service',
      scopes: ['tokens:read'],
      connectionIds: body.connectionIds,
      keyPrefix: created.keyPrefix,
      createdAt: created.createdAt,
      revokedAt: null,
    });
    expect(list.body).not.toContain(created.key);
  });

  it('stores only the SHA-256 of the key, in no column the key itself', async () => {
    const { id, key } = await createKey();
    const { rows } = await sql('SELECT * FROM api_keys WHERE id = $1', [id]);
    const row = rows[0]!;
    expect(row.key_hash).toEqual(createHash('sha256').update(key).digest());
    for (const value of Object.values(row)) {
      const text = Buffer.isBuffer(value)
        ? `${value.toString('utf8')} ${value.toString('base64')}`
        : String(value);
      expect(text).not.toContain(key);
      expect(text).not.toContain(key.slice(11)); // not even the secret part
    }
  });

  it('authenticates a new key with exactly its scopes', async () => {
    const reader = await createKey();
    expect((await listKeys(broker, reader.key)).statusCode).toBe(403);
    const otherAdmin = await createKey({ name: 'ops', scopes: ['admin'] });
    expect((await listKeys(broker, otherAdmin.key)).statusCode).toBe(200);
    expect((await listKeys(replica, otherAdmin.key)).statusCode).toBe(200);
  });

  it.each([
    ['a missing name', { scopes: ['admin'] }, 'name'],
    ['an empty name', { name: '', scopes: ['admin'] }, 'name'],
    ['a blank name', { name: '   ', scopes: ['admin'] }, 'name'],
    ['a name over 100 characters', { name: 'n'.repeat(101), scopes: ['admin'] }, 'name'],
    ['a name that is not a string', { name: 42, scopes: ['admin'] }, 'name'],
    ['missing scopes', { name: 'x' }, 'scopes'],
    ['no scopes', { name: 'x', scopes: [] }, 'scopes'],
    ['an unknown scope', { name: 'x', scopes: ['root'] }, 'scopes'],
    ['a repeated scope', { name: 'x', scopes: ['tokens:read', 'tokens:read'] }, 'scopes'],
    ['scopes that are not a list', { name: 'x', scopes: 'admin' }, 'scopes'],
    [
      'a connection id that is not a UUID',
      { name: 'x', scopes: ['tokens:read'], connectionIds: ['abc'] },
      'connectionIds',
    ],
    ['an empty connection list', { name: 'x', scopes: ['tokens:read'], connectionIds: [] }, 'connectionIds'],
    [
      'a repeated connection id',
      {
        name: 'x',
        scopes: ['tokens:read'],
        connectionIds: Array(2).fill('6f1c2b9e-8d4a-4e7b-b3a1-0c9d8e7f6a5b'),
      },
      'connectionIds',
    ],
    [
      'over 1000 connection ids',
      { name: 'x', scopes: ['tokens:read'], connectionIds: Array.from({ length: 1001 }, () => randomUUID()) },
      'connectionIds',
    ],
    [
      'connection ids on an admin key',
      { name: 'x', scopes: ['admin'], connectionIds: [randomUUID()] },
      'connectionIds',
    ],
    ['an unknown field', { name: 'x', scopes: ['admin'], expiresAt: 'never' }, 'expiresAt'],
  ])('answers %s with a 400 problem and stores nothing', async (_case, body, field) => {
    const before = await rowCount();
    const response = await create(body);
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({
      status: 400,
      type: expect.stringContaining('validation-failed'),
    });
    expect(response.json().errors.map((e: { field: string }) => e.field)).toContain(field);
    expect(await rowCount()).toBe(before);
  });

  it('answers a body that is not a JSON object with a 400 problem and stores nothing', async () => {
    const before = await rowCount();
    for (const payload of ['[]', 'null', '{"name":']) {
      const response = await broker.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: { ...admin(), 'content-type': 'application/json' },
        payload,
      });
      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    expect(await rowCount()).toBe(before);
  });

  it('revokes a key: 204, listed as revoked, rejected at once on this replica', async () => {
    const { id, key } = await createKey({ name: 'ops', scopes: ['admin'] });
    expect((await listKeys(broker, key)).statusCode).toBe(200); // now cached

    const response = await revoke(id);
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
    const rejected = await listKeys(broker, key);
    expect(rejected.statusCode).toBe(401);
    const listed = (await listKeys(broker, broker.adminKey))
      .json()
      .items.find((k: { id: string }) => k.id === id);
    expect(listed.revokedAt).toEqual(expect.any(String));
  });

  it('revoking again succeeds and keeps the first revocation time', async () => {
    const { id } = await createKey();
    await revoke(id);
    const [first] = (await sql<{ revoked_at: Date }>('SELECT revoked_at FROM api_keys WHERE id = $1', [id]))
      .rows;
    expect((await revoke(id)).statusCode).toBe(204);
    const [second] = (await sql<{ revoked_at: Date }>('SELECT revoked_at FROM api_keys WHERE id = $1', [id]))
      .rows;
    expect(second?.revoked_at).toEqual(first?.revoked_at);
  });

  it('answers an unknown id with 404 and a malformed one (the bootstrap key too) with 400', async () => {
    const unknown = await revoke(randomUUID());
    expect(unknown.statusCode).toBe(404);
    expect(unknown.headers['content-type']).toMatch(/^application\/problem\+json/);
    for (const id of ['not-a-uuid', 'bootstrap']) {
      const malformed = await revoke(id);
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json().errors).toEqual([{ field: 'id', message: 'id must be a UUID' }]);
    }
  });

  it('a revoked key is rejected by a second replica within 2 seconds', async () => {
    const { id, key } = await createKey({ name: 'ops', scopes: ['admin'] });
    expect((await listKeys(replica, key)).statusCode).toBe(200); // the replica has it cached
    expect((await revoke(id)).statusCode).toBe(204);
    await within(2_000, async () => expect((await listKeys(replica, key)).statusCode).toBe(401));
  });

  it('a revoked key is rejected by a replica within 2 seconds even when its change notice is lost', async () => {
    const feed = replica.app.get(ChangeFeed);
    const { id, key } = await createKey({ name: 'ops', scopes: ['admin'] });
    expect((await listKeys(replica, key)).statusCode).toBe(200);
    await feed.stop(); // the replica hears nothing from now on
    try {
      expect((await revoke(id)).statusCode).toBe(204);
      await within(2_000, async () => expect((await listKeys(replica, key)).statusCode).toBe(401));
    } finally {
      await feed.start();
    }
  });
});
