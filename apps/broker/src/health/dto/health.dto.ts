import { ApiProperty } from '@nestjs/swagger';

export class HealthStatusDto {
  @ApiProperty({ description: 'Always `ok` when the process answers', example: 'ok' })
  status!: string;
}

export class ReadinessChecksDto {
  @ApiProperty({ enum: ['up', 'down'], description: 'Whether Postgres answered' })
  database!: 'up' | 'down';

  @ApiProperty({
    enum: ['applied', 'pending', 'unknown'],
    description: 'Whether every migration on disk is applied',
  })
  migrations!: 'applied' | 'pending' | 'unknown';
}

export class ReadinessDto {
  @ApiProperty({ enum: ['ok', 'unavailable'] })
  status!: string;

  @ApiProperty({ type: ReadinessChecksDto })
  checks!: ReadinessChecksDto;
}
