import { Module } from '@nestjs/common';
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

@Module({
  imports: [ConnectionsModule, MetricsModule, OAuthModule],
  controllers: [RefreshController],
  providers: [
    DatabaseAvailability,
    TakeoverGuard,
    RefreshRepository,
    TokenRefresher,
    RefreshPump,
    RefreshScheduler,
  ],
  exports: [TokenRefresher],
})
export class RefreshModule {}
