import { createHash } from 'node:crypto';

import type { SandboxClient, SandboxPat, SandboxUser } from './types.js';

export const DEFAULT_REALMS = ['third-party', 'sipgate-apps'];

export const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 300;
export const DEFAULT_REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 60 * 60;

/** Requested when an authorization request names no scope, as the broker's `SIPGATE_OAUTH_SCOPES` default. */
export const DEFAULT_SCOPE = 'all';

/** sipgate's scopes are opaque strings; these are the ones its API documentation lists most often. */
export const SIPGATE_SCOPES: readonly string[] = [
  'all',
  'account:read',
  'addresses:read',
  'balance:read',
  'contacts:read',
  'contacts:write',
  'devices:read',
  'devices:write',
  'groups:read',
  'history:read',
  'history:write',
  'numbers:read',
  'phonelines:read',
  'phonelines:write',
  'sessions:write',
  'sessions:calls:write',
  'sessions:fax:write',
  'sessions:sms:write',
  'settings:read',
  'settings:write',
  'sms:read',
  'users:read',
  'voicemails:read',
];

/** Matches the broker's default redirect URI (`{BROKER_PUBLIC_URL}/v1/oauth/callback`, port 3000). */
export const DEFAULT_SANDBOX_CLIENT: SandboxClient = {
  clientId: 'sandbox-broker',
  clientSecret: 'sandbox-secret',
  redirectUris: ['http://localhost:3000/v1/oauth/callback', 'http://127.0.0.1:3000/v1/oauth/callback'],
};

/** Two users of one account, plus a `w0` of another account: `sub` alone does not identify a user. */
export const DEMO_USERS: readonly SandboxUser[] = [
  {
    sub: 'w0',
    masterSipId: '2556404',
    domain: 'sipgate.de',
    locale: 'de_DE',
    name: 'Demo Admin',
    company: 'Sandbox Telefonie GmbH',
  },
  {
    sub: 'w1',
    masterSipId: '2556404',
    domain: 'sipgate.de',
    locale: 'de_DE',
    name: 'Demo Kollegin',
    company: 'Sandbox Telefonie GmbH',
  },
  {
    sub: 'w0',
    masterSipId: '3141592',
    domain: 'sipgate.de',
    locale: 'en_GB',
    name: 'Other Account Admin',
    company: 'Second Sandbox Ltd',
  },
];

/**
 * One PAT per user, derived from the user so it stays the same across restarts and can be put
 * into a local .env once. Shaped like sipgate's (tokenId `token-XXXXXX`, token a v4 UUID) because
 * the sipgateio SDK validates both formats.
 */
export function demoPats(users: readonly SandboxUser[]): SandboxPat[] {
  return users.map((user, index) => ({
    tokenId: `token-DEMO${String(index + 1).padStart(2, '0')}`,
    token: uuidFrom(`sipgate-sandbox-pat:${user.masterSipId}:${user.sub}`),
    sub: user.sub,
    masterSipId: user.masterSipId,
  }));
}

function uuidFrom(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
