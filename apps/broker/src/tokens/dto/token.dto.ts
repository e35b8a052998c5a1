import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class TokenQueryDto {
  @ApiProperty({
    required: false,
    default: 30,
    minimum: 0,
    maximum: 3600,
    description:
      'Seconds the returned token must stay valid at least. If the stored token is shorter-lived, it is refreshed first; ' +
      'a freshly issued token is returned even if sipgate made it shorter-lived than asked. ' +
      'More than sipgate grants (the lifetime of its last token less the refresh margin) counts as that much, ' +
      'so asking more never forces a refresh per read: `expiresIn` then says how long the token is valid.',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(3600)
  minValidity: number = 30;
}

export class TokenResponseDto {
  @ApiProperty({ format: 'uuid' })
  connectionId!: string;

  @ApiProperty({ enum: ['Bearer', 'Basic'], description: '`Basic` for Personal Access Token connections' })
  tokenType!: 'Bearer' | 'Basic';

  @ApiProperty({ description: 'The OAuth access token (a JWT), or the base64 `tokenId:token` of a PAT' })
  accessToken!: string;

  @ApiProperty({
    example: 'Bearer eyJhbGciOi…',
    description: 'Ready to send as the `Authorization` header to api.sipgate.com',
  })
  authorizationHeader!: string;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Null for PATs, which do not expire',
  })
  expiresAt!: Date | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    example: 241,
    description: 'Seconds until expiry; null for PATs',
  })
  expiresIn!: number | null;
}
