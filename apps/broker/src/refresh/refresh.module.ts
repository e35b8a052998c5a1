import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { ConnectionsModule } from '../connections/connections.module.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { OAuthModule } from '../oauth/oauth.module.js';
import { DatabaseAvailability } from './database-availability.js';
import { RefreshPump } from './refresh-pump.js';
import { RefreshScheduler } from './refresh-scheduler.js';
import { RefreshController } from './refresh.controller.js';
import { RefreshRepository } from './refresh.repository.js';
import { TakeoverGuard } from './takeover-guard.js';
import { TokenRefresher } from './token-refresher.service.js';
import { UnrenewableConnectionsRepository } from './unrenewable-connections.repository.js';

@Module({
  imports: [ConnectionsModule, MetricsModule, OAuthModule, AuditModule],
  controllers: [RefreshController],
  providers: [
    DatabaseAvailability,
    TakeoverGuard,
    RefreshRepository,
    UnrenewableConnectionsRepository,
    TokenRefresher,
    RefreshPump,
    RefreshScheduler,
  ],
  exports: [TokenRefresher],
})
export class RefreshModule {}
