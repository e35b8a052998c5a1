import { type DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { REDACTED_PATHS, withoutQueryValues } from './redaction.js';
import { RequestLog } from './request-log.js';

interface RequestLike {
  id?: string;
  method?: string;
  url?: string;
}

/**
 * Structured JSON logs (pino) through Nest's Logger, and one line per request (RequestLog). Secrets
 * never reach a line: secret-named fields are censored wherever they appear, and query values
 * (OAuth `code`, `state`) are dropped from URLs.
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
            serializers: {
              req: (req: RequestLike) => ({
                id: req.id,
                method: req.method,
                url: withoutQueryValues(req.url ?? ''),
              }),
              // After pino-http's own, which reads the ServerResponse: its status, not its headers.
              res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
            },
          },
          // nestjs-pino is Nest's logger here, not the request logger: no route gets its middleware
          // (and so no AsyncLocalStorage, see RequestLog).
          forRoutes: [],
        }),
      ],
      providers: [RequestLog],
    };
  }
}
