import { createHash, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { SecretCipher } from '#libs/crypto';
import { PrismaService } from '#libs/database';
import { AuditRecorder, type AuditContext } from '../audit/audit-recorder.js';

export interface OAuthAttemptInput {
  state: string;
  codeVerifier: string;
  label: string | undefined;
  scopes: string[];
  expiresAt: Date;
}

export interface ConsumedAttempt {
  codeVerifier: string;
  label: string | undefined;
  scopes: string[];
  expired: boolean;
}

/** `state` is a bearer secret for the callback: only its hash is stored, like an API key. */
const stateHash = (state: string) => createHash('sha256').update(state).digest();
/** Exported for the key rotation, which must re-seal with exactly the same associated data. */
export const verifierAad = (id: string) => `oauth_attempts:${id}:code_verifier`;

@Injectable()
export class OAuthAttemptsRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly cipher: SecretCipher,
    private readonly audit: AuditRecorder,
  ) {}

  /** The admin's start of a login and its audit record in one transaction. */
  async create(input: OAuthAttemptInput, audit: AuditContext): Promise<void> {
    const id = randomUUID();
    await this.prisma.$transaction(async (tx) => {
      await tx.oAuthAttempt.create({
        data: {
          id,
          stateHash: stateHash(input.state),
          codeVerifierCiphertext: this.cipher.encrypt(input.codeVerifier, verifierAad(id)),
          label: input.label ?? null,
          scopes: input.scopes,
          expiresAt: input.expiresAt,
        },
      });
      await this.audit.record(tx, audit);
    });
  }

  /**
   * Deletes and returns the attempt in one statement, so a `state` works exactly once even when the
   * same callback arrives twice at two replicas. Expired attempts are consumed too (and reported).
   */
  async consume(state: string): Promise<ConsumedAttempt | null> {
    const [row] = await this.prisma.$queryRaw<
      {
        id: string;
        codeVerifierCiphertext: Uint8Array;
        label: string | null;
        scopes: string[];
        expired: boolean;
      }[]
    >`
      DELETE FROM oauth_attempts WHERE state_hash = ${stateHash(state)}
      RETURNING id, code_verifier_ciphertext AS "codeVerifierCiphertext", label, scopes, expires_at < now() AS expired`;
    if (!row) return null;
    return {
      codeVerifier: this.cipher.decrypt(row.codeVerifierCiphertext, verifierAad(row.id)),
      label: row.label ?? undefined,
      scopes: row.scopes,
      expired: row.expired,
    };
  }

  /** Housekeeping: attempts nobody completed. */
  async deleteExpired(): Promise<number> {
    const { count } = await this.prisma.oAuthAttempt.deleteMany({ where: { expiresAt: { lt: new Date() } } });
    return count;
  }
}
