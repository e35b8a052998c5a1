import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import type { BrokerConfig } from '#libs/config';
import { AppModule } from '../app.module.js';
import { transportProblems } from '../problems/transport-problems.js';
import { createTokenReadFastPath } from '../tokens/token-read-fast-path.js';
import { useJsonBodyParser } from './json-body.js';
import { securityHeadersFor } from './security-headers.js';
import { setupSwagger } from './swagger.js';

/** Bodies are small JSON documents; anything larger is refused before it is parsed. */
const BODY_LIMIT_BYTES = 64 * 1024;
const REQUEST_ID = /^[\w.-]{1,64}$/;

/** A caller's own X-Request-Id is kept when it is a plain token, so traces line up across services. */
function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

export async function createBrokerApp(
  config: BrokerConfig,
  databaseUrl: string,
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: requestId,
    // While closing, new requests get 503 and idle keep-alive sockets are dropped so shutdown is quick.
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ...transportProblems,
  });
  // Fastify runs onRequest hooks in the order they were added. These come before Nest's
  // middleware (middie is registered by NestFactory.create), so every response carries the request
  // id and the security headers, and token reads are answered without going through middleware
  // (see token-read-fast-path.ts).
  const fastify = adapter.getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id).headers(securityHeadersFor(request.url));
    done();
  });
  const tokenReads = createTokenReadFastPath();
  fastify.addHook('onRequest', tokenReads.hook);
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, databaseUrl),
    adapter,
    {
      bufferLogs: true,
    },
  );
  app.useLogger(app.get(Logger));
  useJsonBodyParser(app, BODY_LIMIT_BYTES);
  tokenReads.bind(app);
  setupSwagger(app);
  await app.init();
  return app;
}
