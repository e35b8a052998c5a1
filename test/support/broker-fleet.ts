import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateEncryptionKey } from '#libs/crypto';
import { completeSandboxLogin, type Sandbox, type SandboxUser } from '#libs/sandbox';
import { type BrokerProcess, spawnBroker } from './broker-process.js';
import type { ConnectionJson } from './connect-flow.js';
import { PUBLIC_URL, TEST_CLIENT } from './sandboxed-broker.js';

/** How long a built broker may take to log "broker ready" on a busy 2-core CI machine. */
const START_TIMEOUT_MS = 30_000;

export interface TokenJson {
  connectionId: string;
  tokenType: string;
  accessToken: string;
  authorizationHeader: string;
  expiresAt: string | null;
  expiresIn: number | null;
}

export interface HttpAnswer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/**
 * Broker processes (replicas) of one deployment: one database, one encryption key, one admin key,
 * one sipgate client, as an operator would run them. Each has its own DATA_DIR and port.
 */
export class BrokerFleet {
  readonly adminKey = `sgtb_fleet_admin_${randomBytes(16).toString('hex')}`;
  private readonly encryptionKeys = generateEncryptionKey('k1');
  private readonly processes = new Set<BrokerProcess>();
  private readonly dataDirs: string[] = [];

  constructor(private readonly base: { databaseUrl: string; sandbox: Sandbox; env?: NodeJS.ProcessEnv }) {}

  /** Spawns a replica of the built broker and waits until it serves HTTP. */
  async start(name: string, env: NodeJS.ProcessEnv = {}): Promise<RunningBroker> {
    const dataDir = mkdtempSync(join(tmpdir(), `broker-${name}-`));
    this.dataDirs.push(dataDir);
    const child = spawnBroker({
      DATABASE_URL: this.base.databaseUrl,
      DATA_DIR: dataDir,
      BROKER_ENCRYPTION_KEYS: this.encryptionKeys,
      BROKER_ADMIN_API_KEY: this.adminKey,
      BROKER_PUBLIC_URL: PUBLIC_URL,
      SIPGATE_CLIENT_ID: TEST_CLIENT.clientId,
      SIPGATE_CLIENT_SECRET: TEST_CLIENT.clientSecret,
      SIPGATE_LOGIN_URL: this.base.sandbox.url,
      SIPGATE_API_URL: this.base.sandbox.url,
      // "broker ready", which carries the URL, is an info line.
      LOG_LEVEL: 'info',
      TZ: 'UTC',
      ...this.base.env,
      ...env,
    });
    this.processes.add(child);
    void child.exited.then(() => this.processes.delete(child));
    let timer: NodeJS.Timeout | undefined;
    const url = await Promise.race([
      child.url,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(
                `broker ${name} not ready after ${START_TIMEOUT_MS} ms:\n${child.lines.slice(-20).join('\n')}`,
              ),
            ),
          START_TIMEOUT_MS,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    return new RunningBroker(name, url, child, this.adminKey);
  }

  /** Teardown, also after a failed test: nothing may outlive the spec file. */
  async killAll(): Promise<void> {
    await Promise.all([...this.processes].map((child) => child.stop('SIGKILL')));
    for (const dir of this.dataDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

/** One broker process, spoken to over real HTTP. */
export class RunningBroker {
  readonly admin: { authorization: string };

  constructor(
    readonly name: string,
    readonly url: string,
    readonly process: BrokerProcess,
    adminKey: string,
  ) {
    this.admin = { authorization: `Bearer ${adminKey}` };
  }

  async request<T = unknown>(
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<HttpAnswer<T>> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        ...this.admin,
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...options.headers,
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: (text ? JSON.parse(text) : null) as T,
    };
  }

  /** The whole OAuth connect of `user`, as an admin in a browser does it, ending at this replica's callback. */
  async connect(user: Pick<SandboxUser, 'sub' | 'masterSipId'>): Promise<ConnectionJson> {
    const started = await this.request<{ authorizationUrl: string }>('POST', '/v1/connections/oauth', {
      body: { label: `${user.sub}@${user.masterSipId}` },
    });
    if (started.status !== 201) throw new Error(`starting a connection answered ${started.status}`);
    const redirect = await completeSandboxLogin(started.body.authorizationUrl, user);
    const callback = await this.request<ConnectionJson>('GET', redirect.pathname + redirect.search, {
      headers: { accept: 'application/json' },
    });
    if (callback.status !== 200) {
      throw new Error(`the callback answered ${callback.status}: ${JSON.stringify(callback.body)}`);
    }
    return callback.body;
  }

  token(
    connectionId: string,
    options: { minValidity?: number; authorization?: string } = {},
  ): Promise<HttpAnswer<TokenJson>> {
    const query = options.minValidity === undefined ? '' : `?minValidity=${options.minValidity}`;
    return this.request<TokenJson>('GET', `/v1/connections/${connectionId}/token${query}`, {
      headers: options.authorization ? { authorization: options.authorization } : {},
    });
  }

  async readiness(): Promise<number> {
    return (await fetch(`${this.url}/health/ready`)).status;
  }

  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    return this.process.stop(signal);
  }
}
