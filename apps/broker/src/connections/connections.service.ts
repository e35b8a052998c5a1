import { Injectable } from '@nestjs/common';
import type { AuditContext } from '../audit/audit-recorder.js';
import { decodeCursor, encodeCursor } from './connection-cursor.js';
import { ConnectionEvents } from './connection-events.js';
import { ConnectionNotFoundError } from './connection.errors.js';
import type { ConnectionView } from './connection.types.js';
import { ConnectionsRepository } from './connections.repository.js';
import { ConnectService } from './connect.service.js';
import type { ConnectionListQueryDto } from './dto/connection-requests.dto.js';

@Injectable()
export class ConnectionsService {
  constructor(
    private readonly connections: ConnectionsRepository,
    private readonly connect: ConnectService,
    private readonly events: ConnectionEvents,
  ) {}

  async list(query: ConnectionListQueryDto): Promise<{ items: ConnectionView[]; nextCursor: string | null }> {
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    // One extra row tells whether another page exists without a COUNT.
    const { status, sipgateUserId, limit } = query;
    const rows = await this.connections.list({ status, sipgateUserId, limit: limit + 1, after });
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
  }

  async get(id: string): Promise<ConnectionView> {
    return (await this.connections.findView(id)) ?? notFound(id);
  }

  async relabel(id: string, label: string | null, audit: AuditContext): Promise<ConnectionView> {
    return (await this.connections.relabel(id, label, audit)) ?? notFound(id);
  }

  /** Erases the row and its secrets first, then ends the sipgate session (best effort). */
  async disconnect(id: string, audit: AuditContext): Promise<void> {
    const { found, refreshToken, snapshot } = await this.connections.delete(id, audit);
    if (!found) notFound(id);
    this.events.emit('connection.disconnected', id, undefined, snapshot);
    if (refreshToken) this.connect.logoutQuietly(id, refreshToken);
  }
}

function notFound(id: string): never {
  throw new ConnectionNotFoundError(id);
}
