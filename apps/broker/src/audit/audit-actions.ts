/** What an audited request did, named for people reading the trail. */
export interface AdminAction {
  action: string;
  targetType: string | null;
  targetId: string | null;
}

type TargetSource = 'path' | 'response' | 'none';

interface AuditedRoute {
  action: string;
  targetType: 'connection' | 'api_key';
  /** Where the target id is: the `:id` path parameter, the created resource's `id`, or nowhere yet. */
  target: TargetSource;
}

/**
 * Names for the admin routes that change something. A mutating admin route missing here is still
 * audited, under a name made of its method and path (see describeAdminAction), so a new route can
 * never slip past the trail; add it here to give it a proper name.
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
    target: 'response',
  },
  'PATCH /v1/connections/:id': { action: 'connection.relabel', targetType: 'connection', target: 'path' },
  'DELETE /v1/connections/:id': { action: 'connection.delete', targetType: 'connection', target: 'path' },
  'POST /v1/connections/:id/refresh': {
    action: 'connection.refresh',
    targetType: 'connection',
    target: 'path',
  },
  'POST /v1/api-keys': { action: 'api_key.create', targetType: 'api_key', target: 'response' },
  'DELETE /v1/api-keys/:id': { action: 'api_key.revoke', targetType: 'api_key', target: 'path' },
};

export const MUTATING_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Only ids that look like ids are kept: a path parameter is caller input and a rejected request
 * (400) may carry anything there. UUIDs are lower-cased so a filter by id finds every spelling.
 */
function idOrNull(value: unknown): string | null {
  return typeof value === 'string' && UUID.test(value) ? value.toLowerCase() : null;
}

export function describeAdminAction(
  method: string,
  routePath: string,
  params: Readonly<Record<string, unknown>>,
  responseBody: unknown,
): AdminAction {
  const route = ROUTES[`${method} ${routePath}`];
  if (!route) {
    return { action: `${method} ${routePath}`, targetType: null, targetId: idOrNull(params.id) };
  }
  const targetId =
    route.target === 'path'
      ? idOrNull(params.id)
      : route.target === 'response'
        ? idOrNull((responseBody as { id?: unknown } | null | undefined)?.id)
        : null;
  return { action: route.action, targetType: route.targetType, targetId };
}
