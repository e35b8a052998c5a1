import { Injectable } from '@nestjs/common';
import { type ApiKey, PrismaService } from '#libs/database';
import { AuditRecorder, type AuditContext } from '../audit/audit-recorder.js';
import { notifyOnCommit } from '../change-feed/notify-on-commit.js';

/** An api_keys row as the API shows it: without the hash. */
export type ApiKeyRecord = Omit<ApiKey, 'keyHash'>;

/** What authentication needs of a key, found by its hash. */
export type ApiKeyGrant = Pick<ApiKey, 'id' | 'scopes' | 'connectionIds' | 'revokedAt'>;

export interface NewApiKey {
  id: string;
  name: string;
  scopes: string[];
  connectionIds: string[];
  keyHash: Uint8Array<ArrayBuffer>;
  keyPrefix: string;
}

export type RevokeOutcome = 'revoked' | 'already-revoked' | 'not-found';

@Injectable()
export class ApiKeysRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditRecorder,
  ) {}

  /** The key and its audit record in one transaction: neither exists without the other. */
  create(data: NewApiKey, audit: AuditContext): Promise<ApiKeyRecord> {
    return this.prisma.$transaction(async (tx) => {
      const row = await tx.apiKey.create({ data, omit: { keyHash: true } });
      await this.audit.record(tx, { ...audit, targetId: row.id });
      return row;
    });
  }

  list(): Promise<ApiKeyRecord[]> {
    return this.prisma.apiKey.findMany({
      omit: { keyHash: true },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
  }

  /** The unique index on key_hash makes this one index probe. */
  findByHash(keyHash: Uint8Array<ArrayBuffer>): Promise<ApiKeyGrant | null> {
    return this.prisma.apiKey.findUnique({
      where: { keyHash },
      select: { id: true, scopes: true, connectionIds: true, revokedAt: true },
    });
  }

  /**
   * Sets revokedAt once (a second revoke keeps the first time) and queues the change notice in the
   * same transaction: every replica hears of the revocation exactly when it has committed. The
   * audit record commits with it; a repeated revoke succeeds too and is recorded as well.
   */
  revoke(id: string, audit: AuditContext): Promise<RevokeOutcome> {
    return this.prisma.$transaction(async (tx) => {
      const { count } = await tx.apiKey.updateMany({
        where: { id, revokedAt: null },
        data: { revokedAt: new Date() },
      });
      if (count === 1) {
        await notifyOnCommit(tx, 'api_key', id);
        await this.audit.record(tx, audit);
        return 'revoked';
      }
      if (!(await tx.apiKey.count({ where: { id } }))) return 'not-found';
      await this.audit.record(tx, audit);
      return 'already-revoked';
    });
  }
}
