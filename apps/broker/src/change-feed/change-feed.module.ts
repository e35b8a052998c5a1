import { Module } from '@nestjs/common';
import { ChangeFeed } from './change-feed.service.js';

/** One listener connection per process, shared by every module that caches rows. */
@Module({ providers: [ChangeFeed], exports: [ChangeFeed] })
export class ChangeFeedModule {}
