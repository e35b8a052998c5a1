import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { API_KEY_PREFIX, generateApiKey, hashApiKey } from '#libs/crypto';
import type { AuditContext } from '../audit/audit-recorder.js';
import { ChangeFeed } from '../change-feed/change-feed.service.js';
import { NotFoundError, ValidationFailedError } from '../problems/domain-error.js';
import { type ApiKeyRecord, ApiKeysRepository } from './api-keys.repository.js';
import type { ApiKeyCreateDto } from './dto/api-key-create.dto.js';
import type { ApiKeyCreatedDto, ApiKeyListDto, ApiKeyResponseDto } from './dto/api-key-response.dto.js';

/**
 * Characters of the random part shown for recognising a key in lists: 6 base64url characters are
 * 36 of its 256 bits, enough to tell keys apart, far too few to matter for guessing the rest.
 */
const DISPLAYED_KEY_CHARACTERS = 6;

export function keyPrefixOf(key: string): string {
  return key.slice(0, API_KEY_PREFIX.length + DISPLAYED_KEY_CHARACTERS);
}

function toResponse(row: ApiKeyRecord): ApiKeyResponseDto {
  return {
    id: row.id,
    name: row.name,
    scopes: row.scopes,
    // Stored as an empty array: Postgres arrays cannot be NULL-vs-empty in a useful way here.
    connectionIds: row.connectionIds.length ? row.connectionIds : null,
    keyPrefix: row.keyPrefix,
    createdAt: row.createdAt.toISOString(),
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}

@Injectable()
export class ApiKeysService {
  constructor(
    private readonly apiKeys: ApiKeysRepository,
    private readonly changeFeed: ChangeFeed,
  ) {}

  /** The key exists only in this response; the table keeps its SHA-256 and a short display prefix. */
  async create(dto: ApiKeyCreateDto, audit: AuditContext): Promise<ApiKeyCreatedDto> {
    if (dto.scopes.includes('admin') && dto.connectionIds) {
      // An admin key could create an unlimited key for itself, so a connection limit would be a false promise.
      throw new ValidationFailedError([
        { field: 'connectionIds', message: 'connectionIds cannot be combined with the admin scope' },
      ]);
    }
    const key = generateApiKey();
    const row = await this.apiKeys.create(
      {
        id: randomUUID(),
        name: dto.name,
        scopes: dto.scopes,
        connectionIds: dto.connectionIds ?? [],
        keyHash: hashApiKey(key),
        keyPrefix: keyPrefixOf(key),
      },
      audit,
    );
    return Object.assign(toResponse(row), { key });
  }

  async list(): Promise<ApiKeyListDto> {
    return { items: (await this.apiKeys.list()).map(toResponse) };
  }

  /** Idempotent: revoking a revoked key succeeds and keeps the first revocation time. */
  async revoke(id: string, audit: AuditContext): Promise<void> {
    const outcome = await this.apiKeys.revoke(id, audit);
    if (outcome === 'not-found') throw new NotFoundError(`There is no API key with id ${id}.`);
    // Other replicas hear it from Postgres; this one drops the key before answering, so the very next request fails.
    if (outcome === 'revoked') this.changeFeed.deliverLocally('api_key', id);
  }
}
