import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

export class AuditEventListQueryDto {
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
  @MaxLength(200)
  cursor?: string;

  @ApiProperty({
    required: false,
    description: 'Only events about this connection or API key',
    example: '6f1c2b9e-8d4a-4e7b-b3a1-0c9d8e7f6a5b',
  })
  @IsOptional()
  @Matches(/^[\w.:-]{1,100}$/, { message: 'targetId must be an id such as a connection or API key id' })
  targetId?: string;

  @ApiProperty({ required: false, description: 'Only events of this action', example: 'connection.delete' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  action?: string;
}
