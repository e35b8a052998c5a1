import { SetMetadata } from '@nestjs/common';
import { IS_PUBLIC } from './auth-metadata.js';

/** Opts a route or controller out of the global AuthGuard (health checks, the OAuth callback). */
export const Public = () => SetMetadata(IS_PUBLIC, true);
