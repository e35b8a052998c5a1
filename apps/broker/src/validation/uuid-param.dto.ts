import { ApiProperty } from '@nestjs/swagger';
import { IsCanonicalUuid } from './canonical-uuid.js';

/**
 * The `{id}` path parameter of every route: anything but a UUID is a 400 before a query is made,
 * and a UUID in any letter case reaches the controller in lower case.
 */
export class UUIDParamDto {
  @ApiProperty({
    description: 'The resource id, in any letter case; answers carry it in lower case',
    format: 'uuid',
    example: '0b7b4a2e-5c39-4a8e-9d4e-2f1a6c3e8b10',
  })
  @IsCanonicalUuid('id must be a UUID')
  id!: string;
}
