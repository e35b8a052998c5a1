import type { IncomingMessage, ServerResponse } from 'node:http';

import { authenticateApiCall, type ApiAuthContext, type ApiCaller } from './api-auth.js';
import { sendJson } from './http.js';

interface ApiRoute {
  /** Any one of these grants access; sipgate checks scopes per endpoint. */
  scopes: string[];
  respond(caller: ApiCaller): unknown;
}

const ROUTES: Record<string, ApiRoute> = {
  '/v2/authorization/userinfo': {
    scopes: [],
    respond: ({ user }) => ({
      sub: user.sub,
      domain: user.domain,
      masterSipId: user.masterSipId,
      locale: user.locale,
    }),
  },
  '/v2/account': {
    scopes: ['all', 'account:read'],
    respond: ({ user }) => ({
      company: user.company,
      mainProductType: 'TEAM',
      logoUrl: '',
      verified: true,
    }),
  },
};

/** The two sipgate REST endpoints the broker needs, behind the same authentication as sipgate's. */
export async function handleSipgateApi(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  auth: ApiAuthContext,
): Promise<void> {
  const route = ROUTES[path];
  if (!route) return sendJson(res, 404, { status: 404, message: `no sandbox stand-in for ${path}` });
  if (req.method !== 'GET') return sendJson(res, 405, { status: 405, message: 'method not allowed' });

  const caller = await authenticateApiCall(req.headers.authorization, auth);
  if (!caller) {
    return sendJson(
      res,
      401,
      { status: 401, message: 'missing, invalid or expired credentials' },
      { 'www-authenticate': 'Bearer realm="sipgate sandbox"' },
    );
  }
  if (route.scopes.length && !route.scopes.some((scope) => caller.scopes.has(scope))) {
    return sendJson(res, 403, {
      status: 403,
      message: `needs one of the scopes: ${route.scopes.join(', ')}`,
    });
  }
  sendJson(res, 200, route.respond(caller));
}
