import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import pg from 'pg';
import { connectOAuth } from '../support/connect-flow.js';
import { connectPat } from '../support/consumer-fixture.js';
import { startSandboxedBroker, type SandboxedBroker } from '../support/sandboxed-broker.js';
import { type FuzzRequest, invalidRequests } from './invalid-requests.js';
import { loadOperations } from './openapi-operations.js';
import { changedTables, tableChecksums } from './table-checksums.js';

/**
 * Walks every operation of docs/openapi.json with generated invalid requests. Seeded and bounded:
 * FUZZ_RUNS requests per operation (default 40 in CI; raise it locally), FUZZ_SEED to replay a run.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
const SEED = Number(process.env.FUZZ_SEED ?? 20261204);

interface Finding {
  kind: string;
  detail: string;
}

interface Answer {
  status: number;
  contentType: string;
  body: string;
}

describe('every operation of the OpenAPI document under invalid input', () => {
  let broker: SandboxedBroker;
  let db: pg.Client;
  const existingIds: string[] = [];

  beforeAll(async () => {
    broker = await startSandboxedBroker();
    await broker.app.listen({ port: 0, host: '127.0.0.1' });
    db = new pg.Client({ connectionString: broker.database.url });
    await db.connect();
    existingIds.push((await connectOAuth(broker)).id);
    existingIds.push((await connectPat(broker, broker.sandbox.pats()[0]!)).id);
    const key = await broker.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: broker.admin,
      payload: { name: 'fuzz', scopes: ['tokens:read'] },
    });
    existingIds.push(key.json<{ id: string }>().id);
  }, 60_000);

  afterAll(async () => {
    await db?.end();
    await broker?.close();
  });

  it('answers each with a problem+json 4xx that changed nothing, or a 2xx that stored exactly what was sent; never a 5xx', async () => {
    const operations = loadOperations(join(import.meta.dirname, '../../docs/openapi.json'));
    /** Findings grouped by operation and kind, with the first request that showed each. */
    const findings = new Map<string, string>();
    const report = (operationName: string, kind: string, example: string) => {
      if (!findings.has(`${operationName}: ${kind}`)) findings.set(`${operationName}: ${kind}`, example);
    };
    let sent = 0;
    const statuses = new Map<number, number>();
    let before = await tableChecksums(db);
    for (const [index, operation] of operations.entries()) {
      const cases = fc.sample(
        invalidRequests(operation, { existingIds, adminAuthorization: broker.admin.authorization }),
        { seed: SEED + index, numRuns: RUNS },
      );
      for (const fuzz of cases) {
        const answer = await send(fuzz).catch((error: Error) => ({
          status: 0,
          contentType: '',
          body: error.message,
        }));
        sent++;
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        const after = await tableChecksums(db);
        const name = `${operation.method} ${operation.path}`;
        const example = `${fuzz.url.slice(0, 120)} [${fuzz.what.join('; ')}]`;
        const problem = judge(answer, changedTables(before, after)) ?? readBack(fuzz, answer);
        if (problem) report(name, problem.kind, `${example}: ${problem.detail}`);
        before = after;
      }
      expect((await send({ method: 'GET', url: '/health/live', headers: {}, what: [] })).status).toBe(200);
    }
    process.stdout.write(
      `fuzzer: ${sent} requests over ${operations.length} operations (seed ${SEED}), ${findings.size} kinds of finding; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}\n`,
    );
    expect([...findings].map(([kind, example]) => `${kind}\n    e.g. ${example}`)).toEqual([]);
  }, 600_000);

  function send(fuzz: FuzzRequest): Promise<Answer> {
    const { port } = broker.app.getHttpServer().address() as { port: number };
    return new Promise((resolve, reject) => {
      const outgoing = request(
        // A connection per request: a body the server did not read must not be parsed as the next request.
        // Content-Length always: Node sends a GET or DELETE body without one, which would be malformed HTTP.
        {
          host: '127.0.0.1',
          port,
          method: fuzz.method,
          path: fuzz.url,
          agent: false,
          headers: {
            ...fuzz.headers,
            ...(fuzz.body !== undefined && { 'content-length': String(Buffer.byteLength(fuzz.body)) }),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              contentType: response.headers['content-type'] ?? '',
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
        },
      );
      outgoing.on('error', reject);
      outgoing.end(fuzz.body);
    });
  }

  /** What is wrong with an answer, or null. */
  function judge(answer: Answer, changed: string[]): Finding | null {
    if (answer.status === 0) return { kind: 'no readable answer', detail: answer.body };
    if (answer.status >= 500) return { kind: `${answer.status}`, detail: answer.body.slice(0, 200) };
    if (answer.status >= 400) {
      if (!answer.contentType.startsWith('application/problem+json')) {
        return {
          kind: `${answer.status} as ${answer.contentType || 'no content type'}`,
          detail: answer.body.slice(0, 120),
        };
      }
      const body = JSON.parse(answer.body) as Record<string, unknown>;
      if (body.status !== answer.status || !body.title || !body.type || !body.detail) {
        return {
          kind: `${answer.status} problem without type/title/status/detail`,
          detail: answer.body.slice(0, 120),
        };
      }
      if (changed.length)
        return {
          kind: `${answer.status} but changed ${changed.join(', ')}`,
          detail: answer.body.slice(0, 120),
        };
      return null;
    }
    // Answers always carry lower-case ids (the contract's canonical form).
    const ids = [...answer.body.matchAll(/"(?:id|connectionId)":"([^"]+)"/g)].map((match) => match[1]!);
    const upper = ids.find((id) => id !== id.toLowerCase());
    return upper ? { kind: `${answer.status} with a non-canonical id`, detail: upper } : null;
  }

  /** A value the broker stored (and answered with) must read back exactly as sent. */
  function readBack(fuzz: FuzzRequest, answer: Answer): Finding | null {
    if (answer.status >= 300 || !fuzz.sentObject || !answer.contentType.startsWith('application/json'))
      return null;
    const stored = JSON.parse(answer.body) as Record<string, unknown>;
    for (const field of ['label', 'name'] as const) {
      if (typeof fuzz.sentObject[field] !== 'string' || !(field in stored)) continue;
      if (stored[field] !== fuzz.sentObject[field]) {
        return {
          kind: `${field} not read back as sent`,
          detail: `sent ${JSON.stringify(fuzz.sentObject[field])}, read back ${JSON.stringify(stored[field])}`,
        };
      }
    }
    return null;
  }
});
