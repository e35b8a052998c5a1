import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { IsStorableString } from '../validation/storable-string.js';

/** `limit` and `cursor` of every paged list; list queries extend it with their filters. */
export class PageQueryDto {
  @ApiProperty({ required: false, default: 50, minimum: 1, maximum: 200 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit: number = 50;

  @ApiProperty({ required: false, description: '`nextCursor` of the previous page' })
  @IsOptional()
  @IsString()
  @IsStorableString()
  @MaxLength(200)
  cursor?: string;
}
