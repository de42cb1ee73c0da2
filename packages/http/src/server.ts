import { fastify, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { installEdge, PUBLIC_ROUTE, requestIdOf, type EdgeOptions } from './edge.ts';
import { installErrorHandler } from './errors.ts';

export interface HttpServerOptions {
  readonly logger: Logger;
  readonly bodyLimit?: number;
  /** Answers whether the service can take work now (its broker and Redis answer). */
  readonly ready: () => Promise<boolean>;
  /** Bearer tokens, rate limits, CORS. */
  readonly edge: EdgeOptions;
  /** Take the client IP from X-Forwarded-For (behind a reverse proxy). */
  readonly trustProxy?: boolean;
}

/**
 * A Fastify instance with the house error format, request ids (the caller's X-Request-Id when sane) in every
 * log line and answer, the hardened edge, and /healthz + /readyz.
 */
export function createHttpServer(options: HttpServerOptions): FastifyInstance {
  // Typed as Fastify's base logger so that route types stay the default ones.
  const loggerInstance: FastifyBaseLogger = options.logger;
  const bodyLimit = options.bodyLimit ?? 64 * 1024;
  const app = fastify({
    loggerInstance,
    bodyLimit,
    requestIdHeader: false,
    genReqId: (req) => requestIdOf(req.headers['x-request-id']),
    trustProxy: options.trustProxy ?? false,
  });
  installErrorHandler(app, bodyLimit);
  installEdge(app, options.edge);
  app.get('/healthz', { config: PUBLIC_ROUTE }, (_request, reply) => reply.send({ status: 'ok' }));
  app.get('/readyz', { config: PUBLIC_ROUTE }, async (_request, reply) => {
    const ready = await options.ready().catch(() => false);
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready' });
  });
  return app;
}
