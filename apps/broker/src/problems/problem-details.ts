import type { FastifyReply } from 'fastify';

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

export function sendProblem(
  reply: FastifyReply,
  problem: ProblemDetails,
  headers: Record<string, string> = {},
) {
  void reply
    .status(problem.status)
    .headers(headers)
    .header('content-type', 'application/problem+json; charset=utf-8')
    .send(problem);
}
