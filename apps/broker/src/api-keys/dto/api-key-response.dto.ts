import { ApiProperty } from '@nestjs/swagger';
import { SCOPES } from '../../auth/principal.js';

export class ApiKeyResponseDto {
  @ApiProperty({
    description: 'Key id, used to revoke it',
    format: 'uuid',
    example: '0b7b4a2e-5c39-4a8e-9d4e-2f1a6c3e8b10',
  })
  id!: string;

  @ApiProperty({ description: 'What the key is for', example: 'billing-service (production)' })
  name!: string;

  @ApiProperty({ description: 'What the key may do', enum: SCOPES, isArray: true, example: ['tokens:read'] })
  scopes!: string[];

  @ApiProperty({
    description: 'Connections the key is limited to; null: every connection',
    type: [String],
    format: 'uuid',
    nullable: true,
    example: ['6f1c2b9e-8d4a-4e7b-b3a1-0c9d8e7f6a5b'],
  })
  connectionIds!: string[] | null;

  @ApiProperty({
    description: 'The first characters of the key, to recognise it (not a secret)',
    example: 'sgtb_Q2x9fA',
  })
  keyPrefix!: string;

  @ApiProperty({
    description: 'When the key was created',
    format: 'date-time',
    example: '2026-11-28T10:21:28.000Z',
  })
  createdAt!: string;

  @ApiProperty({
    description: 'When the key was revoked; null while it is valid',
    type: String,
    format: 'date-time',
    nullable: true,
    example: null,
  })
  revokedAt!: string | null;
}

export class ApiKeyCreatedDto extends ApiKeyResponseDto {
  @ApiProperty({
    description: 'The API key. Shown only in this response: store it now, it cannot be read again.',
    example: 'sgtb_Q2x9fA7kLmN0pR4sT8vW1yZ3bC5dE6gH9jK2mP4qS7u',
  })
  key!: string;
}

export class ApiKeyListDto {
  @ApiProperty({
    description: 'Every API key, oldest first, revoked ones included',
    type: [ApiKeyResponseDto],
  })
  items!: ApiKeyResponseDto[];
}
