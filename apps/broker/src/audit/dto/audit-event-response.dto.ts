import { ApiProperty } from '@nestjs/swagger';

export class AuditEventResponseDto {
  @ApiProperty({ format: 'uuid', description: 'Id of the audit event' })
  id!: string;

  @ApiProperty({ format: 'date-time', description: 'When the change was made' })
  occurredAt!: string;

  @ApiProperty({
    description: 'Who: the id of the admin API key, or `bootstrap` for BROKER_ADMIN_API_KEY',
    example: 'bootstrap',
  })
  actorKeyId!: string;

  @ApiProperty({
    description:
      'What: `connection.create_oauth`, `connection.create_pat`, `connection.relabel`, `connection.delete`, ' +
      '`connection.refresh`, `api_key.create`, `api_key.revoke`',
    example: 'connection.delete',
  })
  action!: string;

  @ApiProperty({ type: String, nullable: true, enum: ['connection', 'api_key'], example: 'connection' })
  targetType!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The connection or API key acted on; null when there is none yet (starting an OAuth login)',
    example: '6f1c2b9e-8d4a-4e7b-b3a1-0c9d8e7f6a5b',
  })
  targetId!: string | null;

  @ApiProperty({ description: 'The `X-Request-Id` of the request, to match it with logs' })
  requestId!: string;

  @ApiProperty({
    description:
      'The HTTP status the request answers with when its change succeeds (only changes that were made are recorded)',
    example: 204,
  })
  statusCode!: number;
}

export class AuditEventListResponseDto {
  @ApiProperty({ type: [AuditEventResponseDto], description: 'Newest first' })
  items!: AuditEventResponseDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` for the next (older) page; null on the last page',
  })
  nextCursor!: string | null;
}
