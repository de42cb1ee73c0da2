import { describe, expect, it } from 'vitest';
import { exportedMetricNames, ServiceMetrics } from './metrics.ts';
import { consumerObserver } from './observers.ts';
import { scrapeAllowed } from './scrape.ts';

describe('service metrics', () => {
  it('exposes process metrics, event-loop delay and the service label in the Prometheus text format', async () => {
    const metrics = new ServiceMetrics('intake-api');
    metrics.httpRequests.inc({ method: 'POST', route: '/v1/incidents', status: '202' });
    const { contentType, body } = await metrics.exposition();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(body).toContain('gridgov_http_requests_total{method="POST",route="/v1/incidents",status="202",service="intake-api"} 1');
    expect(body).toMatch(/^process_cpu_seconds_total\{service="intake-api"\} /m);
    expect(body).toMatch(/^nodejs_eventloop_lag_p99_seconds\{service="intake-api"\} /m);
  });

  it("reads the worker's outbox and timer backlog at each scrape", async () => {
    const metrics = new ServiceMetrics('dispatch-worker');
    let depth = 7;
    metrics.observeBacklog(() => Promise.resolve([{ partition: 2, outboxDepth: depth, timersDue: 3 }]));
    expect((await metrics.exposition()).body).toContain('gridgov_worker_outbox_depth{partition="2",service="dispatch-worker"} 7');
    depth = 0;
    const body = (await metrics.exposition()).body;
    expect(body).toContain('gridgov_worker_outbox_depth{partition="2",service="dispatch-worker"} 0');
    expect(body).toContain('gridgov_worker_timers_due{partition="2",service="dispatch-worker"} 3');
  });

  it('leaves the backlog out of a scrape when Redis does not answer, and counts it, without failing the scrape', async () => {
    const metrics = new ServiceMetrics('dispatch-worker');
    let reads = 0;
    metrics.observeBacklog(() => {
      reads++;
      return Promise.reject(new Error('Command timed out'));
    });
    const body = (await metrics.exposition()).body;
    expect(reads).toBe(1);
    expect(body).not.toContain('gridgov_worker_outbox_depth{');
    expect(body).toMatch(/^process_cpu_seconds_total/m);
    // Counted as it happens: shown from the next scrape on.
    expect((await metrics.exposition()).body).toMatch(/^gridgov_worker_backlog_read_errors_total\{service="dispatch-worker"\} [12]$/m);
  });

  it('reports lag per owned partition, drops partitions given away, and shows a consumer given up on', async () => {
    const metrics = new ServiceMetrics('projection');
    const observer = consumerObserver(metrics);
    observer.running('projection', true);
    observer.assigned('projection', 'grid.events', [0, 1]);
    observer.progress('projection', 'grid.events', 0, 40, 10);
    observer.progress('projection', 'grid.events', 1, 5, 3);
    observer.assigned('projection', 'grid.events', [0]);
    observer.crashed('projection', false);
    observer.running('projection', false);
    const body = (await metrics.exposition()).body;
    expect(body).toContain('gridgov_kafka_consumer_lag{group="projection",topic="grid.events",partition="0",service="projection"} 40');
    expect(body).not.toContain('partition="1"');
    expect(body).toContain('gridgov_kafka_records_consumed_total{group="projection",topic="grid.events",service="projection"} 13');
    expect(body).toContain('gridgov_kafka_consumer_running{group="projection",service="projection"} 0');
    expect(body).toContain('gridgov_kafka_consumer_crashes_total{group="projection",restart="false",service="projection"} 1');
  });

  it('names every series it exports, histograms with their suffixes', async () => {
    const names = await exportedMetricNames();
    for (const name of [
      'gridgov_http_request_duration_seconds_bucket',
      'gridgov_worker_timer_lateness_seconds_count',
      'gridgov_kafka_consumer_lag',
      'nodejs_eventloop_lag_p99_seconds',
      'process_resident_memory_bytes',
    ])
      expect(names).toContain(name);
  });
});

describe('scrape token', () => {
  it('is open without METRICS_TOKEN, and wants the bearer token with one', () => {
    expect(scrapeAllowed(undefined, undefined)).toBe(true);
    expect(scrapeAllowed('a-long-metrics-token', undefined)).toBe(false);
    expect(scrapeAllowed('a-long-metrics-token', 'Bearer wrong')).toBe(false);
    expect(scrapeAllowed('a-long-metrics-token', 'Basic a-long-metrics-token')).toBe(false);
    expect(scrapeAllowed('a-long-metrics-token', 'Bearer a-long-metrics-token')).toBe(true);
  });
});
