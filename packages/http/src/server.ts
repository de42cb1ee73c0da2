import { createServer } from 'node:http';
import { fastify, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { z } from 'zod';
import { installEdge, PUBLIC_ROUTE, requestIdOf, type EdgeOptions } from './edge.ts';
import { installErrorHandler, type DependencyOf } from './errors.ts';
import { installOpenApi, type OpenApiInfo } from './openapi.ts';
import { installObservability, type ObservabilityOptions } from './observability.ts';

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
  /** How long a client may take (HTTP_*_TIMEOUT_MS in the services); DEFAULT_HTTP_TIMEOUTS when unset. */
  readonly timeouts?: HttpServerTimeouts;
  /** What the OpenAPI document (/openapi.json, /docs) says of the API; its routes are read from their schemas. */
  readonly openApi: OpenApiInfo;
  /** Metrics served at GET /metrics (and counted per route), with METRICS_TOKEN when set; traces are always on. */
  readonly observability?: ObservabilityOptions;
}

const Liveness = z.object({ status: z.literal('ok') });
const Readiness = z.object({
  status: z.enum(['ready', 'not ready']),
  dependencies: z
    .record(z.string(), z.enum(['up', 'down']))
    .optional()
    .describe('Each dependency up or down'),
});

/** How long the server waits on a client, in ms. */
export interface HttpServerTimeouts {
  /** The whole request, headers and body: else 408 and the connection is closed (a slow upload). */
  readonly requestMs: number;
  /** The request headers. */
  readonly headersMs: number;
  /** An idle keep-alive connection after its last answer. */
  readonly keepAliveMs: number;
  /** A connection on which nothing moves: above the longest long poll (30 s) and the streams' keep-alive (15 s). */
  readonly idleMs: number;
}

/** The defaults of HTTP_REQUEST_TIMEOUT_MS, HTTP_HEADERS_TIMEOUT_MS, HTTP_KEEP_ALIVE_TIMEOUT_MS, HTTP_IDLE_TIMEOUT_MS. */
export const DEFAULT_HTTP_TIMEOUTS: HttpServerTimeouts = { requestMs: 30_000, headersMs: 10_000, keepAliveMs: 5_000, idleMs: 60_000 };

/**
 * A Fastify instance with the house error format, request ids (the caller's X-Request-Id when sane) in every
 * log line and answer, the hardened edge, /healthz + /readyz, and the OpenAPI document of its routes (/openapi.json,
 * /docs). Routes go in after it, in `app.register(...)`, so that the document sees them (ADR 0027).
 */
export function createHttpServer(options: HttpServerOptions): FastifyInstance {
  // Typed as Fastify's base logger so that route types stay the default ones.
  const loggerInstance: FastifyBaseLogger = options.logger;
  const bodyLimit = options.bodyLimit ?? 64 * 1024;
  const timeouts = options.timeouts ?? DEFAULT_HTTP_TIMEOUTS;
  const headersMs = Math.min(timeouts.headersMs, timeouts.requestMs);
  const app = fastify({
    loggerInstance,
    bodyLimit,
    // Node's server with every timeout set: Fastify's own options leave requestTimeout and connectionTimeout unset (0),
    // and cannot set how often Node checks them (every 30 s by default: a slow upload is cut close to its limit here).
    serverFactory: (handler) => {
      const server = createServer(
        {
          requestTimeout: timeouts.requestMs,
          headersTimeout: headersMs,
          keepAliveTimeout: timeouts.keepAliveMs,
          connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(headersMs / 2))),
        },
        handler,
      );
      server.setTimeout(timeouts.idleMs);
      return server;
    },
    requestIdHeader: false,
    genReqId: (req) => requestIdOf(req.headers['x-request-id']),
    trustProxy: options.trustProxy ?? false,
  });
  // JSON only: Fastify would otherwise read text/plain as a string, which the schemas then refuse as 400 where the
  // README promises 415 UNSUPPORTED_MEDIA_TYPE for a body that is not JSON.
  app.removeContentTypeParser('text/plain');
  installErrorHandler(app, bodyLimit, options.dependencyOf);
  // Before the edge: a request it refuses (401, 429) is traced and counted too.
  installObservability(app, options.observability ?? {});
  installEdge(app, options.edge);
  installOpenApi(app, options.openApi);
  void app.register((probes, _options, done) => {
    probes.get(
      '/healthz',
      { config: PUBLIC_ROUTE, schema: { summary: 'Liveness', response: { 200: Liveness.describe('The process answers') } } },
      (_request, reply) => reply.send({ status: 'ok' }),
    );
    probes.get(
      '/readyz',
      {
        config: PUBLIC_ROUTE,
        schema: {
          summary: 'Readiness: the dependencies answer',
          response: { 200: Readiness.describe('Ready'), 503: Readiness.describe('Not ready: each dependency up or down') },
        },
      },
      async (_request, reply) => {
        const answer = await options.ready().catch((): ReadinessReport => ({ ready: false }));
        const report: ReadinessReport = typeof answer === 'boolean' ? { ready: answer } : answer;
        // Up or down only: why a dependency is down is in the service's log, not for anyone who asks.
        const dependencies = report.dependencies
          ? Object.fromEntries(Object.entries(report.dependencies).map(([name, state]) => [name, state.ok ? 'up' : 'down']))
          : undefined;
        return reply
          .status(report.ready ? 200 : 503)
          .send({ status: report.ready ? 'ready' : 'not ready', ...(dependencies ? { dependencies } : {}) });
      },
    );
    done();
  });
  return app;
}

/** Where a service listens, and how many connections the kernel may hold for it before it accepts them. */
export interface ListenOptions {
  readonly host: string;
  readonly port: number;
  /**
   * The listen backlog (HTTP_LISTEN_BACKLOG; the kernel caps it at net.core.somaxconn). Node's own 511 overflowed in a
   * burst of new connections to a busy intake: the clients' SYNs were dropped and sent again 1, 3, 7 and 15 s later,
   * and some connections were reset (docs/performance.md, "A burst of connections and the listen backlog").
   */
  readonly backlog: number;
}

/** Starts listening; resolves to the address, as Fastify's `listen` does. */
export function listenHttp(app: FastifyInstance, options: ListenOptions): Promise<string> {
  return app.listen({ host: options.host, port: options.port, backlog: options.backlog });
}
