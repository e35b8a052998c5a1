import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';

/** `/{id}` path parameters: anything but a UUID is a 400 before a query is made. */
export class UUIDParamDto {
  @ApiProperty({
    description: 'The resource id',
    format: 'uuid',
    example: '0b7b4a2e-5c39-4a8e-9d4e-2f1a6c3e8b10',
  })
  @IsUUID('all', { message: 'id must be a UUID' })
  id!: string;
}
