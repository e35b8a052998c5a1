// Standalone sipgate sandbox for local development: `SIPGATE_LOGIN_URL` and `SIPGATE_API_URL`
// of the broker point here. Settings: see config.ts (SANDBOX_* variables).
import { startSandbox, type Sandbox, type SandboxLogEntry } from '#libs/sandbox';

import { sandboxOptionsFromEnv } from './config.js';

function log({ level, message, details }: SandboxLogEntry): void {
  const line = `[sipgate-sandbox] ${level}: ${message}${details ? ` ${JSON.stringify(details)}` : ''}`;
  if (level === 'info') console.log(line);
  else console.error(line);
}

function describe(sandbox: Sandbox): string {
  const [client] = sandbox.clients;
  return [
    `sipgate sandbox running at ${sandbox.url}`,
    '',
    'Point the broker at it:',
    `  SIPGATE_LOGIN_URL=${sandbox.url}`,
    `  SIPGATE_API_URL=${sandbox.url}`,
    `  SIPGATE_CLIENT_ID=${client?.clientId}`,
    `  SIPGATE_CLIENT_SECRET=${client?.clientSecret}`,
    `  (redirect URIs: ${client?.redirectUris.join(', ')})`,
    '',
    `Realms: ${sandbox.realms.map((realm) => sandbox.issuerFor(realm)).join(', ')}`,
    '',
    'Demo users (pick one on the login page) and their Personal Access Tokens:',
    ...sandbox.users.map((user) => {
      const pat = sandbox.pats().find((p) => p.sub === user.sub && p.masterSipId === user.masterSipId);
      return `  ${user.sub}@${user.masterSipId} ${user.name}: ${pat ? `${pat.tokenId} ${pat.token}` : 'no PAT'}`;
    }),
    '',
    `Test control: ${sandbox.url}/_sandbox (stats, token-fault, revoke-grants, pats)`,
  ].join('\n');
}

let options;
try {
  options = sandboxOptionsFromEnv(process.env);
} catch (error) {
  console.error(`sipgate sandbox not started: ${(error as Error).message}`);
  process.exit(1);
}

const sandbox = await startSandbox({ ...options, logger: log });
console.log(describe(sandbox));

const stop = (signal: string) => {
  log({ level: 'info', message: `${signal} received, stopping` });
  sandbox.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGINT', () => stop('SIGINT'));
process.once('SIGTERM', () => stop('SIGTERM'));
