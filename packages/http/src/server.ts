import { fastify, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { installErrorHandler } from './errors.ts';

export interface HttpServerOptions {
  readonly logger: Logger;
  readonly bodyLimit?: number;
  /** Answers whether the service can take work now (its broker and Redis answer). */
  readonly ready: () => Promise<boolean>;
}

/** A Fastify instance with the house error format, request ids in logs, and /healthz + /readyz. */
export function createHttpServer(options: HttpServerOptions): FastifyInstance {
  // Typed as Fastify's base logger so that route types stay the default ones.
  const loggerInstance: FastifyBaseLogger = options.logger;
  const app = fastify({
    loggerInstance,
    bodyLimit: options.bodyLimit ?? 64 * 1024,
    requestIdHeader: 'x-request-id',
  });
  installErrorHandler(app);
  app.get('/healthz', (_request, reply) => reply.send({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const ready = await options.ready().catch(() => false);
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready' });
  });
  return app;
}
