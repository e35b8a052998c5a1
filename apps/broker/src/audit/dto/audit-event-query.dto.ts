import { ApiProperty } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../paging/page-query.dto.js';
import { IsStorableString } from '../../validation/storable-string.js';

export class AuditEventListQueryDto extends PageQueryDto {
  @ApiProperty({
    required: false,
    description: 'Only events about this connection or API key',
    example: '6f1c2b9e-8d4a-4e7b-b3a1-0c9d8e7f6a5b',
  })
  @IsOptional()
  @IsStorableString()
  @Matches(/^[\w.:-]{1,100}$/, { message: 'targetId must be an id such as a connection or API key id' })
  targetId?: string;

  @ApiProperty({ required: false, description: 'Only events of this action', example: 'connection.delete' })
  @IsOptional()
  @IsString()
  @IsStorableString()
  @MaxLength(200)
  action?: string;
}
