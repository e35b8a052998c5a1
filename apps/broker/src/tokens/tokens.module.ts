import { Module } from '@nestjs/common';
import { ChangeFeedModule } from '../change-feed/change-feed.module.js';
import { ConnectionsModule } from '../connections/connections.module.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { RateLimitModule } from '../rate-limit/rate-limit.module.js';
import { RefreshModule } from '../refresh/refresh.module.js';
import { TokenCache } from './token-cache.js';
import { TokensController } from './tokens.controller.js';
import { TokensService } from './tokens.service.js';

@Module({
  imports: [ChangeFeedModule, ConnectionsModule, MetricsModule, RateLimitModule, RefreshModule],
  controllers: [TokensController],
  providers: [TokenCache, TokensService],
})
export class TokensModule {}
