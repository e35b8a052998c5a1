import { type DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import type { BrokerConfig } from '#libs/config';
import { ApiKeysModule } from './api-keys/api-keys.module.js';
import { AuditModule } from './audit/audit.module.js';
import { AuthModule } from './auth/auth.module.js';
import { ConfigModule } from './config/config.module.js';
import { ConnectionsModule } from './connections/connections.module.js';
import { CryptoModule } from './crypto/crypto.module.js';
import { DatabaseModule } from './database/database.module.js';
import { HealthModule } from './health/health.module.js';
import { LoggingModule } from './logging/logging.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { OAuthModule } from './oauth/oauth.module.js';
import { ProblemsModule } from './problems/problems.module.js';
import { RefreshModule } from './refresh/refresh.module.js';
import { SipgateModule } from './sipgate/sipgate.module.js';
import { TokensModule } from './tokens/tokens.module.js';
import { WebhooksModule } from './webhooks/webhooks.module.js';

@Module({})
export class AppModule {
  static forRoot(config: BrokerConfig, databaseUrl: string): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        ScheduleModule.forRoot(),
        LoggingModule.forRoot(config.logLevel),
        DatabaseModule.forRoot(databaseUrl),
        ProblemsModule,
        HealthModule,
        MetricsModule,
        AuthModule,
        ApiKeysModule,
        CryptoModule,
        SipgateModule,
        ConnectionsModule,
        OAuthModule,
        RefreshModule,
        TokensModule,
        WebhooksModule,
        AuditModule,
      ],
    };
  }
}
