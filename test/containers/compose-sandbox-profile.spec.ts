import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { completeSandboxLogin } from '#libs/sandbox';
import { createTestDatabase, freePort, type TestDatabase } from '#libs/testing';
import { type BrokerProcess, spawnBroker } from '../support/broker-process.js';
import { COMPOSE_MISSING, composeAvailable, renderCompose, REQUIRED_ENV } from './compose.js';
import { readDockerfile, stageEnv } from './dockerfile.js';

const describeWithCompose = composeAvailable ? describe : describe.skip;

/** Moves the file's fixed ports to free ones, as plain values and inside URLs. */
function remapPorts(env: Record<string, string>, ports: Map<string, string>): Record<string, string> {
  const remap = (value: string) =>
    [...ports].reduce(
      (mapped, [from, to]) =>
        mapped === from ? to : mapped.replace(new RegExp(`:${from}(?=/|$)`, 'g'), `:${to}`),
      value,
    );
  return Object.fromEntries(Object.entries(env).map(([name, value]) => [name, remap(value)]));
}

async function spawnSandbox(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(process.cwd(), 'dist/apps/sandbox/src/main.js')], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      const match = /^sipgate sandbox running at (\S+)/.exec(line);
      if (match) resolve(match[1]!);
    });
    createInterface({ input: child.stderr }).on('line', (line) => lines.push(line));
    child.once('exit', (code) => reject(new Error(`sandbox exited with ${code}:\n${lines.join('\n')}`)));
  });
  return { child, url };
}

/**
 * The sandbox profile, run as compose would run it but as processes: the `sandbox` and
 * `sandbox-broker` services' rendered environments (plus the image's ENV) on one loopback, which
 * is what their shared network namespace amounts to. Only the fixed ports (moved to free ones), the
 * listen address (loopback instead of 0.0.0.0) and the database (a test database standing in for
 * sandbox-postgres) differ.
 */
describeWithCompose(
  composeAvailable ? 'compose sandbox profile' : `compose sandbox profile (${COMPOSE_MISSING})`,
  () => {
    let database: TestDatabase;
    let sandbox: { child: ChildProcess; url: string };
    let broker: BrokerProcess;
    let brokerUrl: string;
    const admin = { authorization: `Bearer ${REQUIRED_ENV.BROKER_ADMIN_API_KEY}` };

    beforeAll(async () => {
      const { services } = renderCompose(REQUIRED_ENV).config!;
      const image = stageEnv(readDockerfile().stages.at(-1)!);
      const ports = new Map([
        [services.sandbox!.environment!.SANDBOX_PORT!, String(await freePort())],
        [services['sandbox-broker']!.environment!.PORT!, String(await freePort())],
      ]);
      database = await createTestDatabase();
      sandbox = await spawnSandbox({
        ...remapPorts({ ...image, ...services.sandbox!.environment! }, ports),
        SANDBOX_HOST: '127.0.0.1',
      });
      broker = spawnBroker({
        ...remapPorts({ ...image, ...services['sandbox-broker']!.environment! }, ports),
        HOST: '127.0.0.1',
        DATABASE_URL: database.url,
      });
      brokerUrl = await broker.url;
    }, 60_000);
    afterAll(async () => {
      await broker?.stop();
      if (sandbox) {
        sandbox.child.kill();
        if (sandbox.child.exitCode === null) await once(sandbox.child, 'exit');
      }
      await database?.drop();
    });

    it('connects a sandbox user end to end and serves a token the sandbox accepts', async () => {
      const started = await fetch(`${brokerUrl}/v1/connections/oauth`, {
        method: 'POST',
        headers: { ...admin, 'content-type': 'application/json' },
        body: JSON.stringify({ label: 'compose sandbox profile' }),
      });
      expect(started.status).toBe(201);
      const { authorizationUrl } = (await started.json()) as { authorizationUrl: string };
      // The URL the browser opens is the one the broker calls: both reach the sandbox.
      expect(authorizationUrl.startsWith(`${sandbox.url}/auth/realms/third-party/`)).toBe(true);

      const callback = await completeSandboxLogin(authorizationUrl, { sub: 'w0' });
      expect(callback.origin).toBe(new URL(brokerUrl).origin);
      const connected = await fetch(callback, { headers: { accept: 'application/json' } });
      expect(connected.status).toBe(200);
      const connection = (await connected.json()) as { id: string; status: string };
      expect(connection.status).toBe('active');

      const token = await fetch(`${brokerUrl}/v1/connections/${connection.id}/token`, { headers: admin });
      const { authorizationHeader } = (await token.json()) as { authorizationHeader: string };
      const userinfo = await fetch(`${sandbox.url}/v2/authorization/userinfo`, {
        headers: { authorization: authorizationHeader },
      });
      expect(userinfo.status).toBe(200);
    });
  },
);
