import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { ConnectionsModule } from '../connections/connections.module.js';
import { OAuthAttemptsRepository } from './oauth-attempts.repository.js';
import { OAuthController } from './oauth.controller.js';
import { OAuthService } from './oauth.service.js';

@Module({
  imports: [ConnectionsModule, AuditModule],
  controllers: [OAuthController],
  providers: [OAuthAttemptsRepository, OAuthService],
  exports: [OAuthAttemptsRepository],
})
export class OAuthModule {}
