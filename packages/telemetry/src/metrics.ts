import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { KeyedHistogram } from './keyed-histogram.ts';

/** Seconds: fast Redis calls to slow HTTP answers. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Seconds a deadline timer fired after it was due: the poll interval (250 ms) up to an hour. */
const LATENESS_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600];

/** What the worker's scrape reads from Redis: each owned partition's outbox and due timers. */
export interface WorkerBacklog {
  readonly partition: number;
  /** Records decided and committed to Redis, not yet produced to Kafka. */
  readonly outboxDepth: number;
  /** Deadline timers due now and not yet fired. */
  readonly timersDue: number;
}

/**
 * One service's metrics: its own registry (no global state, so tests can build several), the Node process metrics
 * (CPU, memory, GC, event-loop delay), and the project's series. Every label is bounded: route patterns, methods,
 * status codes, topics, partitions, consumer groups, Redis command names; never an incident, user or URL.
 */
export class ServiceMetrics {
  readonly registry = new Registry();

  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route'>;
  readonly httpRateLimited: Counter<'route'>;
  readonly consumerLag: Gauge<'group' | 'topic' | 'partition'>;
  readonly consumerRunning: Gauge<'group'>;
  readonly consumerCrashes: Counter<'group' | 'restart'>;
  readonly recordsConsumed: Counter<'group' | 'topic'>;
  readonly deadLetters: Counter<'consumer' | 'topic'>;
  readonly redisDuration: KeyedHistogram;
  readonly timerLateness: Histogram;
  readonly timersFired: Counter;
  readonly backlogReadErrors: Counter;
  readonly readCacheParts: Counter<'result'>;
  readonly readCacheBytes: Gauge;
  readonly answerCacheAnswers: Counter<'result'>;
  readonly answerCacheBytes: Gauge;
  private backlog: (() => Promise<readonly WorkerBacklog[]>) | undefined;
  /** The backlog read of the scrape under way: one Redis read serves both gauges. */
  private backlogRead: Promise<readonly WorkerBacklog[] | undefined> | undefined;

  constructor(readonly service: string) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ service });
    // Process metrics and the event-loop delay (nodejs_eventloop_lag_*), sampled every 10 ms.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 });
    this.httpRequests = new Counter({
      name: 'gridgov_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'gridgov_http_request_duration_seconds',
      help: 'Time from a request arriving to its answer being sent, by method and route pattern.',
      labelNames: ['method', 'route'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.httpRateLimited = new Counter({
      name: 'gridgov_http_rate_limited_total',
      help: 'Requests answered 429 (rate limit), by route pattern.',
      labelNames: ['route'],
      registers,
    });
    this.consumerLag = new Gauge({
      name: 'gridgov_kafka_consumer_lag',
      help: 'Records on a partition not yet handled by this consumer: the high watermark at the last fetch minus the next offset to handle.',
      labelNames: ['group', 'topic', 'partition'],
      registers,
    });
    this.consumerRunning = new Gauge({
      name: 'gridgov_kafka_consumer_running',
      help: 'Whether a Kafka consumer runs (1) or was stopped or given up on by the client (0).',
      labelNames: ['group'],
      registers,
    });
    this.consumerCrashes = new Counter({
      name: 'gridgov_kafka_consumer_crashes_total',
      help: 'Crashes of a Kafka consumer; restart="false" when the client gave up on it.',
      labelNames: ['group', 'restart'],
      registers,
    });
    this.recordsConsumed = new Counter({
      name: 'gridgov_kafka_records_consumed_total',
      help: 'Records handled and committed by a consumer.',
      labelNames: ['group', 'topic'],
      registers,
    });
    this.deadLetters = new Counter({
      name: 'gridgov_dead_letters_total',
      help: 'Records set aside to grid.dlq, by the consumer that refused them and the topic they came from.',
      labelNames: ['consumer', 'topic'],
      registers,
    });
    this.redisDuration = new KeyedHistogram(
      'gridgov_redis_command_duration_seconds',
      'Time from a Redis command being sent to its answer, by command name (EVALSHA for the named scripts).',
      'command',
      LATENCY_BUCKETS,
      registers,
    );
    this.timerLateness = new Histogram({
      name: 'gridgov_worker_timer_lateness_seconds',
      help: 'How long after it was due a deadline timer fired.',
      buckets: LATENESS_BUCKETS,
      registers,
    });
    this.timersFired = new Counter({ name: 'gridgov_worker_timers_fired_total', help: 'Deadline timers fired.', registers });
    this.backlogReadErrors = new Counter({
      name: 'gridgov_worker_backlog_read_errors_total',
      help: 'Scrapes whose outbox and timer backlog could not be read from Redis (those series are absent from that scrape).',
      registers,
    });
    this.readCacheParts = new Counter({
      name: 'gridgov_projection_read_cache_parts_total',
      help: "Partitions' parts of counter reads: answered from the projection's cache (hit, the partition had not moved) or read from Redis (miss).",
      labelNames: ['result'],
      registers,
    });
    this.readCacheBytes = new Gauge({
      name: 'gridgov_projection_read_cache_bytes',
      help: "What the projection's cache of counter reads holds, in bytes (bounded by PROJECTION_READ_CACHE_MB).",
      registers,
    });
    this.answerCacheAnswers = new Counter({
      name: 'gridgov_projection_answer_cache_answers_total',
      help: 'Figures and rankings answers: sent as kept by the projection (hit, nothing had moved since it was made), waited for while another question made it at the same version (joined), or made afresh (miss).',
      labelNames: ['result'],
      registers,
    });
    this.answerCacheBytes = new Gauge({
      name: 'gridgov_projection_answer_cache_bytes',
      help: "What the projection's cache of whole answers holds, in bytes (bounded by PROJECTION_ANSWER_CACHE_MB).",
      registers,
    });
    // A Redis that does not answer in time costs these series one scrape, not the whole scrape (the rest still shows).
    const backlogOf = () => {
      this.backlogRead ??= (this.backlog ? this.backlog() : Promise.resolve([]))
        .catch(() => {
          this.backlogReadErrors.inc();
          return undefined;
        })
        .finally(() => (this.backlogRead = undefined));
      return this.backlogRead;
    };
    new Gauge({
      name: 'gridgov_worker_outbox_depth',
      help: 'Records the worker decided and committed to Redis but has not yet produced to Kafka, by commands partition.',
      labelNames: ['partition'],
      registers,
      async collect() {
        this.reset();
        for (const b of (await backlogOf()) ?? []) this.set({ partition: String(b.partition) }, b.outboxDepth);
      },
    });
    new Gauge({
      name: 'gridgov_worker_timers_due',
      help: 'Deadline timers due now and not yet fired (the timer backlog), by commands partition.',
      labelNames: ['partition'],
      registers,
      async collect() {
        this.reset();
        for (const b of (await backlogOf()) ?? []) this.set({ partition: String(b.partition) }, b.timersDue);
      },
    });
  }

  /** The dispatch worker's outbox and timer backlog, read from Redis at each scrape. */
  observeBacklog(read: () => Promise<readonly WorkerBacklog[]>): void {
    this.backlog = read;
  }

  /** The text exposition format, as Prometheus scrapes it. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/**
 * The series names the services export (histograms as their _bucket, _sum and _count), for checking that the alert
 * rules and the dashboard name only real ones.
 */
export async function exportedMetricNames(): Promise<Set<string>> {
  const metrics = new ServiceMetrics('names');
  const names = new Set<string>();
  for (const m of await metrics.registry.getMetricsAsJSON()) {
    names.add(m.name);
    if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
    if (String(m.type) === 'summary') for (const s of ['_sum', '_count']) names.add(m.name + s);
  }
  names.add('up');
  return names;
}
