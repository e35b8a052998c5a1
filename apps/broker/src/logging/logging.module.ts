import { Module, RequestMethod, type DynamicModule } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import { REDACTED_PATHS, withoutQueryValues } from './redaction.js';
import { TOKEN_READ_PATH, TokenReadLog } from './token-read-log.js';

/**
 * Structured JSON logs (pino), one line per request with the request id. Secrets never reach a
 * line: auth headers and cookies are censored, and query values (OAuth `code`, `state`) are dropped.
 * Token reads, the hot path, are logged by TokenReadLog instead of the request middleware.
 */
@Module({})
export class LoggingModule {
  static forRoot(level: string): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            level,
            redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
            // Fastify already assigned the id (see create-app.ts); pino-http reuses it.
            genReqId: (req: IncomingMessage & { id?: string }) => req.id ?? '',
            serializers: {
              req: (req: IncomingMessage & { id?: string }) => ({
                id: req.id,
                method: req.method,
                url: withoutQueryValues(req.url ?? ''),
              }),
              res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
            },
            customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
          },
          forRoutes: ['{*path}'],
          exclude: [{ path: TOKEN_READ_PATH, method: RequestMethod.GET }],
        }),
      ],
      providers: [TokenReadLog],
    };
  }
}
