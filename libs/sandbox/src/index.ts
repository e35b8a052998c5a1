export { startSandbox } from './start-sandbox.js';
export { completeSandboxLogin, type SandboxLoginOptions } from './complete-sandbox-login.js';
export { accountIdOf } from './directory.js';
export {
  DEFAULT_ACCESS_TOKEN_TTL_SECONDS,
  DEFAULT_REALMS,
  DEFAULT_REFRESH_TOKEN_TTL_SECONDS,
  DEFAULT_SANDBOX_CLIENT,
  DEMO_USERS,
  SIPGATE_SCOPES,
} from './demo-data.js';
export type {
  NewPat,
  Sandbox,
  SandboxClient,
  SandboxLogEntry,
  SandboxLogger,
  SandboxOptions,
  SandboxPat,
  SandboxStats,
  SandboxUser,
  TokenEndpointFault,
} from './types.js';
