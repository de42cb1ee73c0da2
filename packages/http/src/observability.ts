import { scrapeAllowed, SpanKind, startSpan, type ServiceMetrics, type TraceSpan } from '@gridgov/telemetry';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PUBLIC_ROUTE } from './edge.ts';
import { ApiError } from './errors.ts';

export interface ObservabilityOptions {
  /** The service's metrics; GET /metrics serves them. Left out (some tests): traces only, no /metrics. */
  readonly metrics?: ServiceMetrics | undefined;
  /** When set, GET /metrics wants `Authorization: Bearer <token>` (METRICS_TOKEN); unset: open to whoever reaches the port. */
  readonly metricsToken?: string | undefined;
}

const spans = new WeakMap<FastifyRequest, TraceSpan>();

/** The request's span: the caller's trace (its `traceparent`) continued, or a new one. */
export function requestTrace(request: FastifyRequest): TraceSpan {
  let span = spans.get(request);
  if (!span) {
    span = startSpan(`${request.method} ${request.routeOptions.url ?? 'unmatched'}`, request.headers, SpanKind.SERVER);
    spans.set(request, span);
  }
  return span;
}

/** The route label: the pattern (/v1/incidents/:id), never the URL, so that the series stay bounded. */
const routeOf = (request: FastifyRequest) => request.routeOptions.url ?? 'unmatched';

/**
 * Trace context and metrics of every request: its span from the caller's `traceparent` (the trace id on every log
 * line of the request), its count and duration by route pattern and status, 429s apart; and GET /metrics.
 */
export function installObservability(app: FastifyInstance, options: ObservabilityOptions): void {
  const { metrics } = options;
  app.addHook('onRequest', (request, _reply, done) => {
    request.log = request.log.child(requestTrace(request).logFields);
    done();
  });
  app.addHook('onResponse', async (request, reply) => {
    spans.get(request)?.end();
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
