import { describe, expect, it } from '@jest/globals';
import { Controller, Delete, Get, Patch, Post, type Type } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { Public } from '../auth/public.decorator.js';
import { RequireScope } from '../auth/require-scope.decorator.js';
import type { AuditContext } from './audit-recorder.js';
import { AuditedRoutes } from './audited-routes.js';
import { Audited } from './audited.decorator.js';

@RequireScope('admin')
@Controller('widgets')
class AuditedWidgets {
  @Get()
  list(): void {}

  @Post()
  create(@Audited() audit: AuditContext): AuditContext {
    return audit;
  }
}

/** No @RequireScope: admin by default, as the AuthGuard reads it. */
@Controller('gadgets')
class ForgottenGadgets {
  @Patch(':id')
  rename(@Audited() audit: AuditContext): AuditContext {
    return audit;
  }

  @Delete(':id')
  remove(): void {}
}

@Controller('elsewhere')
class NotAdmin {
  @RequireScope('tokens:read')
  @Post('reports')
  report(): void {}

  @Public()
  @Post('hooks')
  hook(): void {}
}

async function start(...controllers: Type[]): Promise<void> {
  const moduleRef = await Test.createTestingModule({
    imports: [DiscoveryModule],
    controllers,
    providers: [AuditedRoutes],
  }).compile();
  try {
    await moduleRef.init();
  } finally {
    await moduleRef.close();
  }
}

describe('AuditedRoutes', () => {
  it('lets the application start when every mutating admin route takes an audit context', async () => {
    await expect(start(AuditedWidgets, NotAdmin)).resolves.toBeUndefined();
  });

  it('stops start-up naming each mutating admin route that takes none', async () => {
    await expect(start(AuditedWidgets, ForgottenGadgets, NotAdmin)).rejects.toThrow(
      /without an @Audited\(\) context, whose changes would go unrecorded: ForgottenGadgets\.remove$/,
    );
  });
});
