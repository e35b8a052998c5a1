import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Prisma } from '#libs/database';
import type { AdminAction } from './audit-actions.js';

/**
 * An admin request's audit record as the request describes it (see @Audited()): who (the API key's
 * id, `bootstrap` for BROKER_ADMIN_API_KEY), what, on which target, under which request id, and the
 * status the request answers with when its change succeeds. Handed explicitly from the controller
 * to the repository that makes the change. A change that creates its target names it as it
 * records (`{ ...audit, targetId }`).
 */
export interface AuditContext extends AdminAction {
  actorKeyId: string;
  requestId: string;
  statusCode: number;
}

/**
 * Writes an admin change's audit record inside the transaction that makes the change, so that the
 * two commit together or not at all: no change stands without its record, whatever fails after the
 * commit, and a record that cannot be stored fails the change and rolls it back. Nothing from a
 * request body is stored, so neither are PATs nor new API keys.
 */
@Injectable()
export class AuditRecorder {
  async record(tx: Prisma.TransactionClient, audit: AuditContext): Promise<void> {
    await tx.auditEvent.create({ data: { id: randomUUID(), ...audit } });
  }
}
