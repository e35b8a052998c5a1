import { randomInt, randomUUID } from 'node:crypto';

import { sameSecret } from './same-secret.js';
import type { NewPat, SandboxPat, SandboxUser } from './types.js';

const TOKEN_ID_PATTERN = /^token-[a-zA-Z\d]{6}$/;
const TOKEN_ID_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789';

/**
 * The OAuth subject of a user. `sub` alone is not unique across accounts, so the sandbox's
 * Keycloak identifies users by both (real Keycloak uses an opaque id here, also not `w0`).
 */
export function accountIdOf(user: Pick<SandboxUser, 'sub' | 'masterSipId'>): string {
  return `${user.sub}@${user.masterSipId}`;
}

/** The demo users and their Personal Access Tokens. */
export class Directory {
  readonly users: readonly SandboxUser[];
  readonly #pats = new Map<string, SandboxPat>();

  constructor(users: readonly SandboxUser[], pats: readonly SandboxPat[]) {
    const ids = new Set(users.map(accountIdOf));
    if (ids.size !== users.length) {
      throw new Error('sandbox users must be unique by masterSipId + sub');
    }
    this.users = users;
    pats.forEach((pat) => this.#store(pat));
  }

  userById(accountId: string): SandboxUser | undefined {
    return this.users.find((user) => accountIdOf(user) === accountId);
  }

  findUsers(sub: string, masterSipId?: string): SandboxUser[] {
    return this.users.filter(
      (user) => user.sub === sub && (masterSipId === undefined || user.masterSipId === masterSipId),
    );
  }

  pats(): SandboxPat[] {
    return [...this.#pats.values()].map((pat) => ({ ...pat }));
  }

  addPat(input: NewPat): SandboxPat {
    const [user, ...others] = this.findUsers(input.sub, input.masterSipId);
    if (!user) throw new Error(`no sandbox user ${input.sub}${at(input.masterSipId)}`);
    if (others.length) throw new Error(`several users are ${input.sub}: name the masterSipId`);
    return this.#store({
      tokenId: input.tokenId ?? this.#freshTokenId(),
      token: input.token ?? randomUUID(),
      sub: user.sub,
      masterSipId: user.masterSipId,
    });
  }

  revokePat(tokenId: string): boolean {
    return this.#pats.delete(tokenId);
  }

  userForPat(tokenId: string, token: string): SandboxUser | undefined {
    const pat = this.#pats.get(tokenId);
    if (!pat || !sameSecret(pat.token, token)) return undefined;
    return this.userById(accountIdOf(pat));
  }

  #store(pat: SandboxPat): SandboxPat {
    if (!TOKEN_ID_PATTERN.test(pat.tokenId)) throw new Error(`PAT tokenId must look like token-AB12CD`);
    if (this.#pats.has(pat.tokenId)) throw new Error(`PAT ${pat.tokenId} exists already`);
    if (!this.userById(accountIdOf(pat))) throw new Error(`PAT ${pat.tokenId} names an unknown user`);
    this.#pats.set(pat.tokenId, { ...pat });
    return { ...pat };
  }

  #freshTokenId(): string {
    for (;;) {
      const suffix = Array.from({ length: 6 }, () => TOKEN_ID_ALPHABET[randomInt(TOKEN_ID_ALPHABET.length)]);
      const tokenId = `token-${suffix.join('')}`;
      if (!this.#pats.has(tokenId)) return tokenId;
    }
  }
}

function at(masterSipId: string | undefined): string {
  return masterSipId === undefined ? '' : `@${masterSipId}`;
}
