import type { FastifyInstance, onResponseHookHandler } from 'fastify';

/** The token read route (TokensController) as Fastify registers it. */
export const TOKEN_READ_ROUTE = '/v1/connections/:id/token';

/**
 * Adds an onResponse hook to the token read route alone (its GET and HEAD), so that no other
 * request pays for it and the hook need not ask each request which route it took. Fastify fixes a
 * route's hooks when the route is registered, which Nest does in `app.init()`, after every provider
 * has been constructed: call this from a provider's constructor.
 */
export function onTokenReadResponse(fastify: FastifyInstance, hook: onResponseHookHandler): void {
  fastify.addHook('onRoute', (route) => {
    if (route.url !== TOKEN_READ_ROUTE) return;
    const existing = route.onResponse ?? [];
    route.onResponse = [...(Array.isArray(existing) ? existing : [existing]), hook];
  });
}
