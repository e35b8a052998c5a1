import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import type { ProblemDetails } from './problem-details.js';

/** How a route that browsers open shows a problem to them: an HTML page, with the headers it needs. */
export interface ProblemPage {
  render(problem: ProblemDetails): string;
  headers: Readonly<Record<string, string>>;
}

interface ProblemPageConfig {
  problemPage?: ProblemPage;
}

/**
 * Routes a browser is sent to (the OAuth callback) serve browsers and API clients alike: only an
 * explicit JSON Accept without HTML gets JSON, because a browser's Accept always names text/html.
 */
export function wantsJson(accept: string | undefined): boolean {
  return /application\/(problem\+)?json/.test(accept ?? '') && !/text\/html/.test(accept ?? '');
}

/**
 * Marks a route whose problems browsers see as `page` (ProblemDetailsFilter renders them through
 * sendProblem), so a failure of any kind, a 500 included, reaches the browser as a page and never
 * as a JSON document it would show raw.
 */
export const ServesProblemPage = (page: ProblemPage) =>
  RouteConfig({ problemPage: page } satisfies ProblemPageConfig);

/** The page to answer this request's problem with, if its route has one and the caller is a browser. */
export function problemPageFor(request: FastifyRequest): ProblemPage | undefined {
  const page = (request.routeOptions.config as ProblemPageConfig | undefined)?.problemPage;
  return page && !wantsJson(request.headers.accept) ? page : undefined;
}
