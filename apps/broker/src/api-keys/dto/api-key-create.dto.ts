import { ApiProperty } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  Length,
  Matches,
} from 'class-validator';
import { SCOPES, type Scope } from '../../auth/principal.js';
import { IsCanonicalUuid } from '../../validation/canonical-uuid.js';
import { IsStorableString } from '../../validation/storable-string.js';

/** A key may name many connections, but a request must stay small (the body limit is 64 KiB). */
export const MAX_CONNECTION_IDS = 1000;

export class ApiKeyCreateDto {
  @ApiProperty({
    description: 'What the key is for, shown in lists',
    example: 'billing-service (production)',
    minLength: 1,
    maxLength: 100,
  })
  @IsString()
  @IsStorableString()
  @Length(1, 100)
  @Matches(/\S/, { message: 'name must not be blank' })
  name!: string;

  @ApiProperty({
    description: '`admin`: everything. `tokens:read`: only `GET /v1/connections/{id}/token`.',
    enum: SCOPES,
    isArray: true,
    example: ['tokens:read'],
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique({ message: 'scopes must not repeat a scope' })
  @IsIn(SCOPES, { each: true, message: `each scope must be one of: ${SCOPES.join(', ')}` })
  scopes!: Scope[];

  @ApiProperty({
    description:
      'Limit the key to these connections (not allowed with `admin`). Omit it for a key that may use every connection.',
    required: false,
    type: [String],
    format: 'uuid',
    maxItems: MAX_CONNECTION_IDS,
    example: ['6f1c2b9e-8d4a-4e7b-b3a1-0c9d8e7f6a5b'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1, { message: 'connectionIds must not be empty; omit it to allow every connection' })
  @ArrayMaxSize(MAX_CONNECTION_IDS)
  @ArrayUnique({ message: 'connectionIds must not repeat an id' })
  @IsCanonicalUuid('each connection id must be a UUID', { each: true })
  connectionIds?: string[];
}
