/** What an audited request did, named for people reading the trail. */
export interface AdminAction {
  action: string;
  targetType: string | null;
  targetId: string | null;
}

type TargetSource = 'path' | 'created' | 'none';

interface AuditedRoute {
  action: string;
  targetType: 'connection' | 'api_key';
  /**
   * Where the target id is: the `:id` path parameter; the resource the change creates, which only
   * the change knows (it names it when it records, see AuditRecorder); or nowhere yet.
   */
  target: TargetSource;
}

/**
 * Names for the admin routes that change something. A mutating admin route missing here is still
 * audited, under a name made of its method and path (see describeAdminAction); add it here to give
 * it a proper name. That every such route is audited at all is checked at start-up (AuditedRoutes).
 */
const ROUTES: Record<string, AuditedRoute> = {
  'POST /v1/connections/oauth': {
    action: 'connection.create_oauth',
    targetType: 'connection',
    target: 'none',
  },
  'POST /v1/connections/pat': {
    action: 'connection.create_pat',
    targetType: 'connection',
    target: 'created',
  },
  'PATCH /v1/connections/:id': { action: 'connection.relabel', targetType: 'connection', target: 'path' },
  'DELETE /v1/connections/:id': { action: 'connection.delete', targetType: 'connection', target: 'path' },
  'POST /v1/connections/:id/refresh': {
    action: 'connection.refresh',
    targetType: 'connection',
    target: 'path',
  },
  'POST /v1/api-keys': { action: 'api_key.create', targetType: 'api_key', target: 'created' },
  'DELETE /v1/api-keys/:id': { action: 'api_key.revoke', targetType: 'api_key', target: 'path' },
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Only ids that look like ids are kept: a path parameter is caller input and a rejected request
 * (400) may carry anything there. UUIDs are lower-cased so a filter by id finds every spelling.
 */
function idOrNull(value: unknown): string | null {
  return typeof value === 'string' && UUID.test(value) ? value.toLowerCase() : null;
}

/** What a request on this route does; `targetId` is null until a change that creates its target names it. */
export function describeAdminAction(
  method: string,
  routePath: string,
  params: Readonly<Record<string, unknown>>,
): AdminAction {
  const route = ROUTES[`${method} ${routePath}`];
  if (!route) {
    return { action: `${method} ${routePath}`, targetType: null, targetId: idOrNull(params.id) };
  }
  const targetId = route.target === 'path' ? idOrNull(params.id) : null;
  return { action: route.action, targetType: route.targetType, targetId };
}
