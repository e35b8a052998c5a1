import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { ChangeFeedModule } from '../change-feed/change-feed.module.js';
import { ConnectService } from './connect.service.js';
import { ConnectionChangeRecorder } from './connection-change-recorder.js';
import { ConnectionEvents } from './connection-events.js';
import { ConnectionSecrets } from './connection-secrets.js';
import { ConnectionsController } from './connections.controller.js';
import { ConnectionsRepository } from './connections.repository.js';
import { ConnectionsService } from './connections.service.js';

/** Exported as a whole: the refresher, tokens, OAuth, webhooks and metrics build on them. */
const PROVIDERS = [
  ConnectionSecrets,
  ConnectionChangeRecorder,
  ConnectionsRepository,
  ConnectionEvents,
  ConnectService,
  ConnectionsService,
];

@Module({
  imports: [ChangeFeedModule, AuditModule],
  controllers: [ConnectionsController],
  providers: PROVIDERS,
  exports: PROVIDERS,
})
export class ConnectionsModule {}
