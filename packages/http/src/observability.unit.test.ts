import { ServiceMetrics } from '@gridgov/telemetry';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { PUBLIC_ROUTE } from './edge.ts';
import { requestTrace } from './observability.ts';
import { createHttpServer } from './server.ts';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const METRICS_TOKEN = 'a-metrics-token-of-some-length';

/** A server whose log lines are kept, with one public route, a rate limit of 2 per address, and /metrics behind a token. */
function server() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  const metrics = new ServiceMetrics('test-api');
  const hits = new Map<string, number>();
  const app = createHttpServer({
    logger,
    ready: () => Promise.resolve(true),
    edge: {
      authenticate: () => ({ ok: false, problem: 'no tokens here' }),
      rateLimits: {
        windowMs: 60_000,
        perUser: 0,
        perIp: 2,
        store: {
          hit: (key: string) => {
            hits.set(key, (hits.get(key) ?? 0) + 1);
            return Promise.resolve({ count: hits.get(key)!, resetInMs: 60_000 });
          },
        },
      },
    },
    observability: { metrics, metricsToken: METRICS_TOKEN },
    openApi: { title: 'test-api', description: 'one public route' },
  });
  app.get('/v1/things/:id', { config: PUBLIC_ROUTE, schema: { hide: true } }, (request, reply) => {
    request.log.info({ thing: (request.params as { id: string }).id }, 'thing read');
    return reply.send({ trace: requestTrace(request).traceparent });
  });
  return { app, lines };
}

const scrape = async (app: ReturnType<typeof server>['app']) =>
  (await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).body;

describe('traces and metrics of an HTTP service', () => {
  it("continues the caller's trace on every log line of the request", async () => {
    const { app, lines } = server();
    const res = await app.inject({
      method: 'GET',
      url: '/v1/things/42',
      headers: { traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json<{ trace: string }>().trace).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
    const line = lines.find((l) => l['msg'] === 'thing read');
    expect(line).toMatchObject({ trace_id: TRACE_ID, thing: '42' });
    expect(line?.['span_id']).toMatch(/^[0-9a-f]{16}$/);
  });

  it('logs one span a request: the one it passes on, beside the request id, in a plugin’s routes and on a 404', async () => {
    const { app, lines } = server();
    void app.register((scoped, _options, done) => {
      scoped.get('/v1/scoped', { config: PUBLIC_ROUTE, schema: { hide: true } }, (request, reply) => {
        request.log.info('scoped read');
        return reply.send({ trace: requestTrace(request).traceparent });
      });
      done();
    });
    const spanOfLine = (msg: string) => lines.find((l) => l['msg'] === msg)?.['span_id'];
    const res = await app.inject({ method: 'GET', url: '/v1/scoped', headers: { 'x-request-id': 'req-scoped-1' } });
    const passedOn = res.json<{ trace: string }>().trace.split('-')[2];
    expect(spanOfLine('scoped read')).toBe(passedOn);
    expect(lines.find((l) => l['msg'] === 'scoped read')).toMatchObject({ reqId: 'req-scoped-1' });
    // Every line of that request names the same span (Fastify's own "request completed" too).
    const ofRequest = lines.filter((l) => l['reqId'] === 'req-scoped-1');
    expect(ofRequest.length).toBeGreaterThanOrEqual(2);
    expect(new Set(ofRequest.map((l) => l['span_id']))).toEqual(new Set([passedOn]));

    const missing = await app.inject({
      method: 'GET',
      url: '/v1/nothing-here',
      headers: { traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01`, 'x-request-id': 'req-404' },
    });
    expect(missing.statusCode).toBe(404);
    const of404 = lines.filter((l) => l['reqId'] === 'req-404');
    expect(of404.length).toBeGreaterThan(0);
    for (const line of of404) {
      expect(line['trace_id']).toBe(TRACE_ID);
      expect(line['span_id']).toMatch(/^[0-9a-f]{16}$/);
    }
  });

  it('counts requests by route pattern and status, 429s apart, and never by URL', async () => {
    const { app } = server();
    for (const id of ['1', '2', '3']) await app.inject({ method: 'GET', url: `/v1/things/${id}` });
    await app.inject({ method: 'GET', url: '/nowhere/at/all' });
    const body = await scrape(app);
    expect(body).toContain('gridgov_http_requests_total{method="GET",route="/v1/things/:id",status="200",service="test-api"} 2');
    expect(body).toContain('gridgov_http_requests_total{method="GET",route="/v1/things/:id",status="429",service="test-api"} 1');
    expect(body).toContain('gridgov_http_rate_limited_total{route="/v1/things/:id",service="test-api"} 1');
    // A path no route has is counted under one label, whatever its URL (here refused by the limit before its 404).
    expect(body).toContain('gridgov_http_requests_total{method="GET",route="unmatched",status="429"');
    expect(body).toContain('gridgov_http_request_duration_seconds_count{service="test-api",method="GET",route="/v1/things/:id"} 3');
    expect(body).not.toMatch(/\/v1\/things\/[0-9]/);
  });

  it('serves /metrics only with METRICS_TOKEN, whatever the rate limits', async () => {
    const { app } = server();
    const denied = await app.inject({ method: 'GET', url: '/metrics' });
    expect(denied.statusCode).toBe(401);
    expect(denied.headers['www-authenticate']).toBe('Bearer realm="metrics"');
    expect((await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(401);
    for (let i = 0; i < 5; i++) {
      const res = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    }
  });
});
