import type { Scope } from './principal.js';

export const IS_PUBLIC = 'broker:auth:public';
export const ACCESS_REQUIREMENT = 'broker:auth:requirement';

export interface AccessRequirement {
  scope: Scope;
  /**
   * The path parameter holding the connection the route acts on, checked against a limited key's
   * connection list; null for routes that act on no single connection.
   */
  connectionParam: string | null;
}

/**
 * Routes with neither @Public nor @RequireScope: a forgotten decorator must not open an admin
 * operation to token readers, so they need `admin`.
 */
export const DEFAULT_REQUIREMENT: AccessRequirement = { scope: 'admin', connectionParam: 'id' };
