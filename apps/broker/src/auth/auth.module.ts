import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiKeysModule } from '../api-keys/api-keys.module.js';
import { ChangeFeedModule } from '../change-feed/change-feed.module.js';
import { ApiKeyAuthenticator } from './api-key-authenticator.js';
import { AuthGuard } from './auth.guard.js';

/** Registers the AuthGuard for every route of the application. */
@Module({
  imports: [ApiKeysModule, ChangeFeedModule],
  providers: [ApiKeyAuthenticator, { provide: APP_GUARD, useClass: AuthGuard }],
})
export class AuthModule {}
