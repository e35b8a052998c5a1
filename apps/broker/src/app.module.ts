import { type DynamicModule, Module } from '@nestjs/common';
import type { BrokerConfig } from '#libs/config';
import { ConfigModule } from './config/config.module.js';
import { DatabaseModule } from './database/database.module.js';
import { HealthModule } from './health/health.module.js';
import { LoggingModule } from './logging/logging.module.js';
import { ProblemsModule } from './problems/problems.module.js';

@Module({})
export class AppModule {
  static forRoot(config: BrokerConfig, databaseUrl: string): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule.forRoot(config.logLevel),
        DatabaseModule.forRoot(databaseUrl),
        ProblemsModule,
        HealthModule,
      ],
    };
  }
}
