import { ApiProperty } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import { PageQueryDto } from '../../paging/page-query.dto.js';
import { IsStorableString } from '../../validation/storable-string.js';

const LABEL_MAX = 200;

export class OAuthConnectionCreateDto {
  @ApiProperty({ required: false, maxLength: LABEL_MAX, example: 'Support hotline' })
  @IsOptional()
  @IsString()
  @IsStorableString()
  @MinLength(1)
  @MaxLength(LABEL_MAX)
  label?: string;

  @ApiProperty({
    required: false,
    type: [String],
    example: ['all'],
    description: 'sipgate scopes to request; default SIPGATE_OAUTH_SCOPES',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ArrayUnique()
  @IsStorableString({ each: true })
  @Matches(/^[\w:.-]{1,64}$/, {
    each: true,
    message: 'each scope must be a sipgate scope name like "all" or "balance:read"',
  })
  scopes?: string[];
}

export class PatConnectionCreateDto {
  @ApiProperty({ example: 'token-FQ1V12', description: 'The PAT id shown by sipgate' })
  @IsStorableString()
  @Matches(/^token-[A-Za-z0-9]{6}$/, { message: 'tokenId must look like token-FQ1V12' })
  tokenId!: string;

  @ApiProperty({ format: 'uuid', description: 'The PAT secret (a UUID); stored only encrypted' })
  @IsUUID('all', { message: 'token must be the UUID sipgate showed when the PAT was created' })
  token!: string;

  @ApiProperty({ required: false, maxLength: LABEL_MAX })
  @IsOptional()
  @IsString()
  @IsStorableString()
  @MinLength(1)
  @MaxLength(LABEL_MAX)
  label?: string;
}

export class ConnectionRelabelDto {
  @ApiProperty({
    type: String,
    nullable: true,
    maxLength: LABEL_MAX,
    description: 'New label; null removes it',
  })
  @IsOptional()
  @IsString()
  @IsStorableString()
  @MinLength(1)
  @MaxLength(LABEL_MAX)
  label!: string | null;
}

export class ConnectionListQueryDto extends PageQueryDto {
  @ApiProperty({ required: false, enum: ['active', 'reauth_required'] })
  @IsOptional()
  @IsIn(['active', 'reauth_required'])
  status?: 'active' | 'reauth_required';

  @ApiProperty({ required: false, example: 'w0' })
  @IsOptional()
  @IsString()
  @IsStorableString()
  @MaxLength(100)
  sipgateUserId?: string;
}

export class OAuthStartResponseDto {
  @ApiProperty({ description: 'Open in a browser to log in at sipgate; it comes back to /v1/oauth/callback' })
  authorizationUrl!: string;

  @ApiProperty({ type: String, format: 'date-time', description: 'The login must be completed before this' })
  expiresAt!: Date;
}

export class OAuthCallbackQueryDto {
  @ApiProperty({ description: 'The `state` the broker put into the authorization URL' })
  @IsString()
  @IsStorableString()
  @MinLength(1)
  @MaxLength(512)
  state!: string;

  @ApiProperty({ required: false })
  @IsOptional()
  @IsString()
  @IsStorableString()
  @MaxLength(4096)
  code?: string;

  @ApiProperty({ required: false, description: 'Set by sipgate when the login failed or was cancelled' })
  @IsOptional()
  @IsStorableString()
  @Matches(/^[\w.-]{1,100}$/, { message: 'error must be an OAuth error code' })
  error?: string;

  @ApiProperty({ required: false })
  @IsOptional()
  @IsString()
  @IsStorableString()
  @MaxLength(1000)
  error_description?: string;

  @ApiProperty({ required: false, description: 'Issuer (RFC 9207), ignored' })
  @IsOptional()
  @IsString()
  @IsStorableString()
  @MaxLength(1000)
  iss?: string;

  @ApiProperty({ required: false, description: 'Keycloak session state, ignored' })
  @IsOptional()
  @IsString()
  @IsStorableString()
  @MaxLength(1000)
  session_state?: string;
}
