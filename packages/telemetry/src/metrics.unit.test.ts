import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { KeyedHistogram } from './keyed-histogram.ts';
import { exportedMetricNames, ServiceMetrics } from './metrics.ts';
import { consumerObserver, instrumentRedis } from './observers.ts';
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
      'gridgov_redis_command_duration_seconds_bucket',
      'gridgov_kafka_consumer_lag',
      'nodejs_eventloop_lag_p99_seconds',
      'process_resident_memory_bytes',
    ])
      expect(names).toContain(name);
  });
});

describe("Redis commands' durations", () => {
  /** A client whose commands are answered when the test says. */
  function fakeRedis() {
    const pending: (() => void)[] = [];
    const client = {
      sendCommand(command: { name: string; promise: Promise<unknown> }) {
        return command.promise;
      },
      command(name: string, fails = false) {
        let answer!: () => void;
        const promise = new Promise<void>((resolve, reject) => (answer = () => (fails ? reject(new Error('WRONGTYPE')) : resolve())));
        promise.catch(() => undefined);
        pending.push(answer);
        return this.sendCommand({ name, promise });
      },
    };
    return { client, answerAll: () => pending.splice(0).forEach((answer) => answer()) };
  }

  it('counts every command by its lowercase name, answered or failed, in cumulative buckets', async () => {
    const metrics = new ServiceMetrics('projection');
    const { client, answerAll } = fakeRedis();
    instrumentRedis(client, metrics);
    const sent = [client.command('HSET'), client.command('hset'), client.command('evalsha', true)];
    answerAll();
    await Promise.allSettled(sent);
    const body = (await metrics.exposition()).body;
    expect(body).toContain('gridgov_redis_command_duration_seconds_count{service="projection",command="hset"} 2');
    expect(body).toContain('gridgov_redis_command_duration_seconds_count{service="projection",command="evalsha"} 1');
    // Answered at once: in the first bucket, and in every bucket above it.
    expect(body).toContain('gridgov_redis_command_duration_seconds_bucket{le="0.0005",service="projection",command="hset"} 2');
    expect(body).toContain('gridgov_redis_command_duration_seconds_bucket{le="10",service="projection",command="hset"} 2');
    expect(body).toContain('gridgov_redis_command_duration_seconds_bucket{le="+Inf",service="projection",command="evalsha"} 1');
    expect(body).not.toContain('command="HSET"');
  });

  it("is scraped exactly as prom-client's own histogram of the same observations", async () => {
    const bounds = [0.001, 0.01, 0.1, 1];
    const ours = new Registry();
    const theirs = new Registry();
    for (const registry of [ours, theirs]) registry.setDefaultLabels({ service: 'intake-api' });
    const keyed = new KeyedHistogram('x_seconds', 'Some durations.', 'command', bounds, [ours]);
    const reference = new Histogram({
      name: 'x_seconds',
      help: 'Some durations.',
      labelNames: ['command'],
      buckets: bounds,
      registers: [theirs],
    });
    const observations: [string, number][] = [
      ['get', 0.0004],
      ['get', 0.001],
      ['get', 0.05],
      ['set', 0.5],
      ['set', 3],
      ['get', 1],
    ];
    for (const [command, seconds] of observations) {
      keyed.observe(command, seconds);
      reference.observe({ command }, seconds);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    // The JSON too, but for prom-client's exemplars (none kept here).
    const withoutExemplars = (metrics: Awaited<ReturnType<Registry['getMetricsAsJSON']>>) =>
      metrics.map((m) => ({ ...m, values: m.values.map((v) => ({ ...v, exemplar: undefined })) }));
    expect(withoutExemplars(await ours.getMetricsAsJSON())).toEqual(withoutExemplars(await theirs.getMetricsAsJSON()));
    // Reset keeps the series a caller holds, zeroed.
    const kept = keyed.series('get');
    ours.resetMetrics();
    theirs.resetMetrics();
    kept.observe(0.002);
    reference.observe({ command: 'get' }, 0.002);
    expect((await ours.metrics()).split('\n').filter((l) => l.includes('command="get"'))).toEqual(
      (await theirs.metrics()).split('\n').filter((l) => l.includes('command="get"')),
    );
  });

  it('refuses bounds that are not increasing', () => {
    expect(() => new KeyedHistogram('y_seconds', 'h', 'command', [0.1, 0.1], [])).toThrow(/increasing/);
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
