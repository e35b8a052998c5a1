import { ReauthRequiredError } from '../connections/connection.errors.js';
import type { UsableCredential } from '../connections/connection.types.js';

export interface IssuedToken {
  connectionId: string;
  tokenType: 'Bearer' | 'Basic';
  accessToken: string;
  authorizationHeader: string;
  expiresAt: Date | null;
  expiresIn: number | null;
}

export const secondsLeft = (credential: UsableCredential, now: number) =>
  credential.expiresAt ? (credential.expiresAt.getTime() - now) / 1000 : Infinity;

/**
 * What a consumer gets for a credential. Consumers of one connection ask many times a second and
 * get the same answer within a second (only `expiresIn` moves), so the answer is built once per
 * credential and second and shared: frozen, so no caller can change what the next one gets. Keyed
 * by the credential object, so a refreshed credential (a new object) never meets an old answer.
 */
export class IssuedTokens {
  private readonly latest = new WeakMap<UsableCredential, IssuedToken>();

  of(credential: UsableCredential, now: number): IssuedToken {
    if (credential.status === 'reauth_required') throw new ReauthRequiredError(credential.connectionId);
    const expiresIn = credential.expiresAt ? Math.max(0, Math.floor(secondsLeft(credential, now))) : null;
    const latest = this.latest.get(credential);
    if (latest?.expiresIn === expiresIn) return latest;
    const issued = Object.freeze(present(credential, expiresIn));
    this.latest.set(credential, issued);
    return issued;
  }
}

function present(credential: UsableCredential, expiresIn: number | null): IssuedToken {
  if (credential.type === 'pat') {
    const basic = Buffer.from(credential.secret).toString('base64');
    return {
      connectionId: credential.connectionId,
      tokenType: 'Basic',
      accessToken: basic,
      authorizationHeader: `Basic ${basic}`,
      expiresAt: null,
      expiresIn: null,
    };
  }
  return {
    connectionId: credential.connectionId,
    tokenType: 'Bearer',
    accessToken: credential.secret,
    authorizationHeader: `Bearer ${credential.secret}`,
    expiresAt: credential.expiresAt,
    expiresIn,
  };
}
