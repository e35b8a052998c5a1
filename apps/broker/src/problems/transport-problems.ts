import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { PROBLEM_TYPE_BASE, type ProblemDetails, sendProblem } from './problem-details.js';

/**
 * Requests Fastify refuses before any route (and so before Nest's exception filter) runs still get
 * problem+json, not Fastify's own JSON: a URL whose percent-encoding is broken, a path segment
 * longer than the router allows, and requests Node's HTTP parser cannot read at all.
 */
export const transportProblems: Pick<FastifyServerOptions, 'frameworkErrors' | 'clientErrorHandler'> = {
  frameworkErrors(
    error: { statusCode?: number; code?: string },
    request: FastifyRequest,
    reply: FastifyReply,
  ) {
    const status = error.statusCode ?? 400;
    // The detail is fixed: Fastify's message quotes the raw URL back.
    const detail =
      error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? 'A path segment of the URL is too long.'
        : 'The URL is not valid (broken percent-encoding or not UTF-8).';
    sendProblem(reply, problem(status, detail, { instance: undefined, requestId: request.id }));
  },

  clientErrorHandler(error: Error & { code?: string }, socket: Socket) {
    // A reset connection, or one already answered: nothing to say, nobody to say it to.
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const [status, detail] =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'The request line and headers are larger than the server accepts.']
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'The request did not arrive in time.']
          : [400, 'The request is not valid HTTP.'];
    const body = JSON.stringify(problem(status, detail, {}));
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n` +
        `Content-Type: application/problem+json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  },
};

function problem(status: number, detail: string, extra: Partial<ProblemDetails>): ProblemDetails {
  const title = STATUS_CODES[status] ?? 'Bad Request';
  return {
    type: `${PROBLEM_TYPE_BASE}/${title.toLowerCase().replace(/[^a-z]+/g, '-')}`,
    title,
    status,
    detail,
    ...extra,
  };
}
