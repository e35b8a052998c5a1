import type { IncomingMessage, ServerResponse } from 'node:http';

import { BadRequest, readJson, sendEmpty, sendJson } from './http.js';
import { faultProblem } from './token-fault.js';
import type { NewPat, Sandbox, TokenEndpointFault } from './types.js';

export const CONTROL_PREFIX = '/_sandbox';

/**
 * The `Sandbox` control methods over HTTP, for tests that drive a sandbox in another process.
 * Unauthenticated on purpose: the sandbox is a local development tool bound to loopback.
 */
export async function handleControl(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  sandbox: Sandbox,
): Promise<void> {
  const route = `${req.method} ${path.slice(CONTROL_PREFIX.length) || '/'}`;
  const patMatch = /^DELETE \/pats\/([^/]+)$/.exec(route);

  switch (true) {
    case route === 'GET /':
      return sendJson(res, 200, {
        url: sandbox.url,
        realms: sandbox.realms.map((realm) => ({ realm, issuer: sandbox.issuerFor(realm) })),
        clients: sandbox.clients.map(({ clientId, redirectUris }) => ({ clientId, redirectUris })),
        users: sandbox.users,
      });
    case route === 'GET /stats':
      return sendJson(res, 200, sandbox.stats());
    case route === 'POST /stats/reset':
      sandbox.resetStats();
      return sendEmpty(res, 204);
    case route === 'PUT /token-fault': {
      const fault = (await readJson(req)) as TokenEndpointFault;
      const problem =
        typeof fault === 'object' && fault !== null ? faultProblem(fault) : 'body must be an object';
      if (problem) throw new BadRequest(problem);
      sandbox.setTokenEndpointFault(fault);
      return sendEmpty(res, 204);
    }
    case route === 'DELETE /token-fault':
      sandbox.setTokenEndpointFault(null);
      return sendEmpty(res, 204);
    case route === 'POST /revoke-grants': {
      const { sub, masterSipId } = objectBody(await readJson(req));
      if (typeof sub !== 'string') throw new BadRequest('sub is required');
      const revoked = sandbox.revokeGrantsOf(sub, typeof masterSipId === 'string' ? masterSipId : undefined);
      return sendJson(res, 200, { revoked });
    }
    case route === 'GET /pats':
      return sendJson(res, 200, sandbox.pats());
    case route === 'POST /pats': {
      const input = objectBody(await readJson(req)) as Partial<NewPat>;
      if (typeof input.sub !== 'string') throw new BadRequest('sub is required');
      try {
        return sendJson(res, 201, sandbox.addPat({ ...input, sub: input.sub }));
      } catch (error) {
        throw new BadRequest((error as Error).message);
      }
    }
    case patMatch !== null:
      return sandbox.revokePat(decodeURIComponent(patMatch[1]!))
        ? sendEmpty(res, 204)
        : sendJson(res, 404, { error: 'not_found', error_description: 'no such PAT' });
    default:
      return sendJson(res, 404, { error: 'not_found', error_description: `no control endpoint ${route}` });
  }
}

function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null) throw new BadRequest('body must be a JSON object');
  return body as Record<string, unknown>;
}
