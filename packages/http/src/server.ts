import { fastify, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { installEdge, PUBLIC_ROUTE, requestIdOf, type EdgeOptions } from './edge.ts';
import { installErrorHandler, type DependencyOf } from './errors.ts';

/** What /readyz answers: ready or not, and (when known) each dependency's state. */
export interface ReadinessReport {
  readonly ready: boolean;
  readonly dependencies?: Readonly<Record<string, { readonly ok: boolean; readonly error?: string }>>;
}

export interface HttpServerOptions {
  readonly logger: Logger;
  readonly bodyLimit?: number;
  /** Answers whether the service can take work now (its broker and Redis answer). */
  readonly ready: () => Promise<boolean | ReadinessReport>;
  /** Which dependency an unexpected error says is away: answered 503 with its code and Retry-After, not 500. */
  readonly dependencyOf?: DependencyOf;
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
  installErrorHandler(app, bodyLimit, options.dependencyOf);
  installEdge(app, options.edge);
  app.get('/healthz', { config: PUBLIC_ROUTE }, (_request, reply) => reply.send({ status: 'ok' }));
  app.get('/readyz', { config: PUBLIC_ROUTE }, async (_request, reply) => {
    const answer = await options.ready().catch((): ReadinessReport => ({ ready: false }));
    const report: ReadinessReport = typeof answer === 'boolean' ? { ready: answer } : answer;
    // Up or down only: why a dependency is down is in the service's log, not for anyone who asks.
    const dependencies = report.dependencies
      ? Object.fromEntries(Object.entries(report.dependencies).map(([name, state]) => [name, state.ok ? 'up' : 'down']))
      : undefined;
    return reply
      .status(report.ready ? 200 : 503)
      .send({ status: report.ready ? 'ready' : 'not ready', ...(dependencies ? { dependencies } : {}) });
  });
  return app;
}
