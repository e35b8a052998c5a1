import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from './domain-error.js';
import { PROBLEM_TYPE_BASE, type ProblemDetails, sendProblem } from './problem-details.js';

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  406: 'Not acceptable',
  413: 'Request body too large',
  415: 'Unsupported media type',
  429: 'Too many requests',
};

/** Errors raised by Fastify itself (bad JSON, body too large, …) carry a status and a safe message. */
function isFastifyError(error: unknown): error is { statusCode: number; code: string; message: string } {
  return typeof error === 'object' && error !== null && 'statusCode' in error && 'code' in error;
}

const slug = (title: string) => title.toLowerCase().replace(/[^a-z]+/g, '-');

/**
 * The one place errors become responses: `application/problem+json` with type, title, status and
 * detail. Anything unexpected is a 500 whose body says nothing about internals; the log line has the
 * error and the request id the caller got, so the two can be matched.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemDetails');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const base = { instance: request.url.split('?')[0], requestId: request.id };

    if (error instanceof DomainError) {
      const type = `${PROBLEM_TYPE_BASE}/${error.type}`;
      const problem = { type, title: error.title, status: error.status, detail: error.detail, ...base };
      return sendProblem(reply, { ...problem, ...error.extensions }, error.headers);
    }
    const status =
      error instanceof HttpException ? error.getStatus() : isFastifyError(error) ? error.statusCode : 500;
    if (status >= 500) {
      this.logger.error({ err: error, requestId: base.requestId }, 'unhandled error');
      return sendProblem(reply, {
        type: `${PROBLEM_TYPE_BASE}/internal-error`,
        title: 'Internal server error',
        status: 500,
        detail: `Something went wrong on our side; quote request id ${base.requestId} when reporting it.`,
        ...base,
      });
    }
    const title = TITLES[status] ?? 'Request failed';
    const detail = error instanceof Error ? error.message : title;
    const problem: ProblemDetails = {
      type: `${PROBLEM_TYPE_BASE}/${slug(title)}`,
      title,
      status,
      detail,
      ...base,
    };
    return sendProblem(reply, problem);
  }
}
