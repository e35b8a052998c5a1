import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AuditController } from './audit.controller.js';
import { AuditRecorder } from './audit-recorder.js';
import { AuditRepository } from './audit.repository.js';
import { AuditService } from './audit.service.js';
import { AuditedRoutes } from './audited-routes.js';

/**
 * The audit trail: written by the repositories of admin changes, in their transactions
 * (AuditRecorder, exported for them), read at /v1/audit-events.
 */
@Module({
  imports: [DiscoveryModule],
  controllers: [AuditController],
  providers: [AuditRecorder, AuditRepository, AuditService, AuditedRoutes],
  exports: [AuditRecorder],
})
export class AuditModule {}
