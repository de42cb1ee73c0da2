import { slowUpload } from '@gridgov/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceMetrics } from '@gridgov/telemetry';
import { HealthServer } from './health.ts';

describe("the worker's health port", () => {
  let health: HealthServer;
  let port: number;

  beforeAll(async () => {
    health = new HealthServer({
      host: '127.0.0.1',
      port: 0,
      logger: pino({ level: 'silent' }),
      ready: () => Promise.resolve({ ready: true, dependencies: {} }),
      timeouts: { requestMs: 1_000, headersMs: 1_000, keepAliveMs: 1_000, idleMs: 10_000 },
    });
    port = Number(new URL(await health.listen()).port);
  });

  afterAll(async () => {
    await health.close();
  });

  it('answers /healthz', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('closes the connection of a slow upload, to a probe or to a path that does not exist (issue 20, finding 5)', async () => {
    // 1 s for a whole request; this client would take 15 s to send its body.
    const [probe, nowhere] = await Promise.all([
      slowUpload({ port, path: '/readyz', bodyBytes: 60, everyMs: 250 }),
      slowUpload({ port, path: '/nothing', bodyBytes: 60, everyMs: 250 }),
    ]);
    for (const result of [probe, nowhere]) {
      expect(result.cut).toBe(true);
      expect(result.bytesSent).toBeLessThan(60);
    }
  }, 30_000);
});

describe("the worker's /metrics", () => {
  it('serves its metrics, with the outbox and timer backlog read at the scrape, behind METRICS_TOKEN when set', async () => {
    const metrics = new ServiceMetrics('dispatch-worker');
    metrics.observeBacklog(() => Promise.resolve([{ partition: 1, outboxDepth: 4, timersDue: 2 }]));
    const health = new HealthServer({
      host: '127.0.0.1',
      port: 0,
      logger: pino({ level: 'silent' }),
      ready: () => Promise.resolve({ ready: true, dependencies: {} }),
      timeouts: { requestMs: 1_000, headersMs: 1_000, keepAliveMs: 1_000, idleMs: 10_000 },
      metrics,
      metricsToken: 'a-metrics-token-of-some-length',
    });
    const url = `${await health.listen()}/metrics`;
    try {
      expect((await fetch(url)).status).toBe(401);
      const res = await fetch(url, { headers: { authorization: 'Bearer a-metrics-token-of-some-length' } });
      expect(res.status).toBe(200);
      const body = await res.text();
      expect(body).toContain('gridgov_worker_outbox_depth{partition="1",service="dispatch-worker"} 4');
      expect(body).toContain('gridgov_worker_timers_due{partition="1",service="dispatch-worker"} 2');
      expect(body).toMatch(/^nodejs_eventloop_lag_p99_seconds\{service="dispatch-worker"\} /m);
    } finally {
      await health.close();
    }
  });
});
