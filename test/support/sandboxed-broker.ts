import { startSandbox, type Sandbox, type SandboxOptions } from '#libs/sandbox';
import type { TestDatabase } from '#libs/testing';
import { startTestBroker, type TestBroker } from './broker-app.js';

export const TEST_CLIENT = {
  clientId: 'broker-under-test',
  clientSecret: 'client-secret-under-test-0123456789',
};
export const PUBLIC_URL = 'http://broker.test';

export interface SandboxedBroker extends TestBroker {
  sandbox: Sandbox;
  /** Authorization header of the bootstrap admin key. */
  admin: { authorization: string };
}

/**
 * The real broker wired to a real sandbox (oidc-provider) over loopback HTTP, as it would be to
 * sipgate. Pass `database` to run several brokers (replicas) on one database.
 */
export async function startSandboxedBroker(
  options: {
    env?: NodeJS.ProcessEnv;
    sandbox?: Sandbox;
    sandboxOptions?: SandboxOptions;
    database?: TestDatabase;
  } = {},
): Promise<SandboxedBroker> {
  const sandbox =
    options.sandbox ??
    (await startSandbox({
      clients: [{ ...TEST_CLIENT, redirectUris: [`${PUBLIC_URL}/v1/oauth/callback`] }],
      ...options.sandboxOptions,
    }));
  const broker = await startTestBroker(
    {
      BROKER_PUBLIC_URL: PUBLIC_URL,
      SIPGATE_CLIENT_ID: TEST_CLIENT.clientId,
      SIPGATE_CLIENT_SECRET: TEST_CLIENT.clientSecret,
      SIPGATE_LOGIN_URL: sandbox.url,
      SIPGATE_API_URL: sandbox.url,
      ...options.env,
    },
    options.database,
  ).catch(async (error: unknown) => {
    if (!options.sandbox) await sandbox.close();
    throw error;
  });
  return {
    ...broker,
    sandbox,
    admin: { authorization: `Bearer ${broker.adminKey}` },
    close: async () => {
      await broker.close();
      if (!options.sandbox) await sandbox.close();
    },
  };
}
