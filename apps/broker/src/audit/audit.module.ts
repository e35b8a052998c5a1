import { Module } from '@nestjs/common';
import { AuditController } from './audit.controller.js';
import { AuditRecorder } from './audit-recorder.js';
import { AuditRepository } from './audit.repository.js';
import { AuditService } from './audit.service.js';

/**
 * The audit trail: written by the repositories of admin changes, in their transactions
 * (AuditRecorder, exported for them), read at /v1/audit-events.
 */
@Module({
  controllers: [AuditController],
  providers: [AuditRecorder, AuditRepository, AuditService],
  exports: [AuditRecorder],
})
export class AuditModule {}
