import type { FastifyReply } from 'fastify';
import { problemPageFor } from './problem-page.js';

export const PROBLEM_TYPE_BASE = 'https://github.com/sipgate-token-broker/problems';

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  requestId?: string;
  [extension: string]: unknown;
}

/** `application/problem+json`, or the route's HTML page for a browser (see ServesProblemPage). */
export function sendProblem(
  reply: FastifyReply,
  problem: ProblemDetails,
  headers: Record<string, string> = {},
) {
  void reply.status(problem.status).headers(headers);
  const page = problemPageFor(reply.request);
  if (page) {
    void reply.headers(page.headers).type('text/html; charset=utf-8').send(page.render(problem));
    return;
  }
  void reply.header('content-type', 'application/problem+json; charset=utf-8').send(problem);
}
