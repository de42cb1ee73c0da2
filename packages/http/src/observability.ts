import { scrapeAllowed, SpanKind, startSpan, type ServiceMetrics, type TraceSpan } from '@gridgov/telemetry';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { PUBLIC_ROUTE } from './edge.ts';
import { ApiError } from './errors.ts';

export interface ObservabilityOptions {
  /** The service's metrics; GET /metrics serves them. Left out (some tests): traces only, no /metrics. */
  readonly metrics?: ServiceMetrics | undefined;
  /** When set, GET /metrics wants `Authorization: Bearer <token>` (METRICS_TOKEN); unset: open to whoever reaches the port. */
  readonly metricsToken?: string | undefined;
}

/** Each request's span, by its Node request (the child logger is made from that, before Fastify's request exists). */
const spans = new WeakMap<IncomingMessage, TraceSpan>();

const spanOf = (method: string | undefined, route: string, headers: IncomingMessage['headers']) =>
  startSpan(`${method ?? 'GET'} ${route}`, headers, SpanKind.SERVER);

/** The request's span: the caller's trace (its `traceparent`) continued, or a new one. */
export function requestTrace(request: FastifyRequest): TraceSpan {
  let span = spans.get(request.raw);
  if (!span) {
    span = spanOf(request.method, request.routeOptions.url ?? 'unmatched', request.headers);
    spans.set(request.raw, span);
  }
  return span;
}

/**
 * A route's request logger: Fastify's child (the request id) with the span's trace ids beside it, made once. Setting
 * them in an onRequest hook instead makes a child of that child, and each child costs its bindings' serialisation
 * (and pino's redaction of them) on every request.
 */
const tracedChildLogger =
  (route: string): NonNullable<RouteOptions['childLoggerFactory']> =>
  (logger, bindings, options, raw) => {
    const span = spanOf(raw.method, route, raw.headers);
    spans.set(raw, span);
    return logger.child({ ...bindings, ...span.logFields }, options);
  };

/** The route label: the pattern (/v1/incidents/:id), never the URL, so that the series stay bounded. */
const routeOf = (request: FastifyRequest) => request.routeOptions.url ?? 'unmatched';

/**
 * Trace context and metrics of every request: its span from the caller's `traceparent` (the trace id on every log
 * line of the request), its count and duration by route pattern and status, 429s apart; and GET /metrics.
 */
export function installObservability(app: FastifyInstance, options: ObservabilityOptions): void {
  const { metrics } = options;
  // Each route's request logger carries the trace (a route that brings a logger factory of its own keeps it).
  app.addHook('onRoute', (route) => {
    route.childLoggerFactory ??= tracedChildLogger(route.url);
  });
  // And a request no route took (Fastify's 404).
  app.setChildLoggerFactory(tracedChildLogger('unmatched'));
  // A route that brings a logger factory of its own: its trace added to that logger here.
  app.addHook('onRequest', (request, _reply, done) => {
    if (!spans.has(request.raw)) request.log = request.log.child(requestTrace(request).logFields);
    done();
  });
  app.addHook('onResponse', async (request, reply) => {
    spans.get(request.raw)?.end();
    if (!metrics) return;
    const route = routeOf(request);
    const method = request.method;
    metrics.httpRequests.inc({ method, route, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ method, route }, reply.elapsedTime / 1000);
    if (reply.statusCode === 429) metrics.httpRateLimited.inc({ route });
  });
  if (!metrics) return;
  app.get('/metrics', { config: PUBLIC_ROUTE, schema: { hide: true } }, async (request, reply) => {
    if (!scrapeAllowed(options.metricsToken, request.headers.authorization)) {
      throw new ApiError(401, 'UNAUTHENTICATED', 'headers.authorization: /metrics wants the bearer token METRICS_TOKEN', undefined, {
        'www-authenticate': 'Bearer realm="metrics"',
      });
    }
    const { contentType, body } = await metrics.exposition();
    return reply.header('content-type', contentType).header('cache-control', 'no-store').send(body);
  });
}
