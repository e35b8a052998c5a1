import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { ChangeFeedModule } from '../change-feed/change-feed.module.js';
import { ApiKeysController } from './api-keys.controller.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { ApiKeysService } from './api-keys.service.js';

@Module({
  imports: [ChangeFeedModule, AuditModule],
  controllers: [ApiKeysController],
  providers: [ApiKeysService, ApiKeysRepository],
  // Authentication looks keys up by hash through the same repository.
  exports: [ApiKeysRepository],
})
export class ApiKeysModule {}
