import { ApiProperty } from '@nestjs/swagger';

export class ConnectionResponseDto {
  @ApiProperty({ format: 'uuid', description: 'Stable id: connecting the same sipgate user again keeps it' })
  id!: string;

  @ApiProperty({ enum: ['oauth', 'pat'] })
  type!: 'oauth' | 'pat';

  @ApiProperty({
    enum: ['active', 'reauth_required'],
    description: '`reauth_required`: sipgate refused the grant; connect again',
  })
  status!: 'active' | 'reauth_required';

  @ApiProperty({ type: String, nullable: true, example: 'Support hotline' })
  label!: string | null;

  @ApiProperty({ example: 'w0', description: 'sipgate user id (`sub` of userinfo)' })
  sipgateUserId!: string;

  @ApiProperty({ example: '2556404', description: 'sipgate account id (`masterSipId` of userinfo)' })
  sipgateAccountId!: string;

  @ApiProperty({ type: [String], example: ['all'], description: 'Scopes sipgate granted (empty for PATs)' })
  scopes!: string[];

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  accessTokenExpiresAt!: Date | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When the refresh token stops working',
  })
  refreshTokenExpiresAt!: Date | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastRefreshedAt!: Date | null;

  @ApiProperty({ type: String, nullable: true, description: 'Why the last refresh failed, if it did' })
  lastError!: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: Date;

  @ApiProperty({ type: String, format: 'date-time' })
  updatedAt!: Date;
}

export class ConnectionListResponseDto {
  @ApiProperty({ type: [ConnectionResponseDto] })
  items!: ConnectionResponseDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` for the next page; null on the last page',
  })
  nextCursor!: string | null;
}
