import { createHash, randomBytes } from 'node:crypto';
import type { Actor, CommandEnvelope, PersonRole } from '@gridgov/contracts';
import { DurableProducer } from '@gridgov/kafka';
import { clockKey } from '@gridgov/redis';
import { driveTraffic, planTraffic } from '@gridgov/simulator';
import {
  bearer,
  createTestInfra,
  defaultDecisionContext,
  eventually,
  signedForTest,
  startService,
  testToken,
  type RunningService,
  type TestInfra,
  XINHUI_AREAS_FILE,
} from '@gridgov/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, reportBody, distinctPlace } from './support/client.ts';

/**
 * Issue 18, "Must show: metrics, scraped and checked" (ADR 0026). The four services run as processes; their /metrics are
 * scraped while the simulator drives the intake and while 10,000 cases go through the worker and the projection: the
 * consumer lag rises and falls back to 0, the outbox drains, deadline timers fired late show in the lateness histogram,
 * and the number of series stays under SERIES_CEILING whatever the number of cases (no incident or user in a label).
 * An HTTP request's traceparent is followed onto the log lines of the worker, the projection and the notifier.
 */
const PARTITIONS = 3;
const CASES = 10_000;
/** Most series one service exports: Node's and the process's (~60 with the GC and heap spaces), and the project's. */
const SERIES_CEILING = 1_500;
/** Most series 10,000 more cases may add to a service (a route or Redis command seen for the first time). */
const SERIES_GROWTH_CEILING = 150;
const START = Date.now();

type Scrape = Map<string, number>;

/** The samples of a Prometheus text exposition, by series (name and labels as written). */
function parseExposition(text: string): Scrape {
  const samples: Scrape = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

async function scrape(service: RunningService): Promise<Scrape> {
  const get = () => fetch(`${service.url}/metrics`, { signal: AbortSignal.timeout(10_000) });
  // A kept-alive connection the server closed as it was reused (ECONNRESET) fails that one scrape; Prometheus would
  // scrape again at its next interval, this test at once.
  const res = await get().catch(get);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(await res.text());
}

/** The sum of a metric's samples whose series contains every one of `labels` (as `name="value"`). */
function total(samples: Scrape, name: string, ...labels: string[]): number {
  let sum = 0;
  for (const [series, value] of samples) {
    const bare = series.split('{')[0];
    if (bare === name && labels.every((l) => series.includes(l))) sum += value;
  }
  return sum;
}

const has = (samples: Scrape, name: string) => [...samples.keys()].some((s) => s.split('{')[0] === name);

const uuid = (n: number, salt: string) => {
  const h = createHash('sha256').update(`${salt}-${n}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

describe('metrics of every service, scraped while traffic runs', () => {
  const ctx = defaultDecisionContext();
  const grids = ctx.areas.ofLevel('grid').map((g) => g.code);
  let infra: TestInfra;
  let intake: RunningService;
  let projection: RunningService;
  let notifier: RunningService;
  let worker: RunningService;
  const services = () => [intake, projection, notifier, worker];

  beforeAll(async () => {
    infra = await createTestInfra({ partitions: { commands: PARTITIONS, events: PARTITIONS, outcomes: PARTITIONS } });
    await infra.redis.set(clockKey(infra.keyPrefix), String(START));
    const env = {
      ...infra.env(),
      AREAS_FILE: XINHUI_AREAS_FILE,
      CLOCK_SOURCE: 'redis',
      TIMER_POLL_MS: '100',
      RATE_LIMIT_PER_USER: '0',
      RATE_LIMIT_PER_IP: '0',
      // On a machine shared with other suites a 1 MB batch of 10,000 cases can take seconds: no member is taken for
      // dead meanwhile (which would end its consumer for good, and its process, with no supervisor here to restart it).
      WORKER_SESSION_TIMEOUT_MS: '60000',
      PROJECTION_SESSION_TIMEOUT_MS: '60000',
      NOTIFIER_SESSION_TIMEOUT_MS: '60000',
    };
    [intake, projection, notifier, worker] = await Promise.all([
      startService('intake-api', env),
      startService('projection', { ...env, LOG_LEVEL: 'debug' }),
      startService('notifier', env),
      startService('dispatch-worker', env),
    ]);
  });

  afterAll(async () => {
    await Promise.all(services().map((s) => s?.stop('SIGKILL')));
    await infra?.cleanup();
  });

  it("carries an HTTP request's traceparent through Kafka onto the worker's, projection's and notifier's log lines", async () => {
    const traceId = randomBytes(16).toString('hex');
    const gridCode = grids[0]!;
    const answer = await post(
      `${intake.url}/v1/incidents`,
      { ...bearer({ role: 'grid_staff', areas: [gridCode] }), traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
      reportBody(`trace-${traceId}`, gridCode),
    );
    expect(answer.status).toBe(202);
    const incidentId = String(answer.body['incidentId']);
    const linesOf = (service: RunningService) =>
      service
        .output()
        .split('\n')
        .filter((l) => l.includes(`"trace_id":"${traceId}"`));
    // The intake's own line, the worker's decision, the projection's fold of each event, the notifier's delivery.
    await eventually(
      () => Promise.resolve(linesOf(intake)),
      (lines) => lines.some((l) => l.includes('report accepted for dispatch')),
    );
    const worked = await eventually(
      () => Promise.resolve(linesOf(worker)),
      (lines) => lines.some((l) => l.includes(incidentId) && l.includes('command accepted')),
    );
    expect(worked.length).toBeGreaterThan(0);
    const folded = await eventually(
      () => Promise.resolve(linesOf(projection)),
      (lines) => lines.some((l) => l.includes(incidentId) && l.includes('IncidentReported')),
    );
    expect(folded.length).toBeGreaterThan(0);
    const notified = await eventually(
      () => Promise.resolve(linesOf(notifier)),
      (lines) => lines.some((l) => l.includes(incidentId)),
    );
    expect(notified.length).toBeGreaterThan(0);
  });

  it('shows HTTP, lag, outbox and timer lateness moving, with series bounded after 10,000 cases', { timeout: 300_000 }, async () => {
    // Every service answers /metrics with the process metrics and event-loop delay.
    for (const service of services()) {
      const samples = await scrape(service);
      expect(has(samples, 'process_cpu_seconds_total'), service.name).toBe(true);
      expect(has(samples, 'nodejs_eventloop_lag_p99_seconds'), service.name).toBe(true);
      // One consumer each: the projection's feeds both its folds, counters and case views (ADR 0040); the intake none.
      const consumers = { 'intake-api': 0 }[service.name as string] ?? 1;
      expect(total(samples, 'gridgov_kafka_consumer_running'), service.name).toBe(consumers);
    }

    // The simulator drives the intake for a few seconds: requests counted by route pattern, never by URL.
    const tokenFor = (actor: Actor) =>
      testToken({
        sub: actor.id,
        role: actor.role as PersonRole,
        areas: actor.areas ?? [],
        ...(actor.department ? { department: actor.department } : {}),
      });
    const driven = await driveTraffic({
      intakeUrl: intake.url!,
      cases: planTraffic({ seed: 18, ctx, rate: 20, durationMs: 4_000, timeScale: 600, runId: infra.id, caseClockStart: START }),
      untilMs: 6_000,
      tokenFor,
      outcomeWaitMs: 10_000,
    });
    expect(driven.reports.accepted).toBeGreaterThan(20);
    const afterDrive = await scrape(intake);
    expect(
      total(afterDrive, 'gridgov_http_requests_total', 'route="/v1/incidents"', 'method="POST"', 'status="202"'),
    ).toBeGreaterThanOrEqual(driven.reports.accepted);
    expect(total(afterDrive, 'gridgov_http_requests_total', 'route="/v1/commands/:id"')).toBeGreaterThan(0);
    expect(total(afterDrive, 'gridgov_http_request_duration_seconds_count', 'route="/v1/incidents"')).toBeGreaterThan(0);
    expect(total(afterDrive, 'gridgov_redis_command_duration_seconds_count')).toBeGreaterThan(0);

    // Three days later by the worker's clock: the simulated cases' deadlines are due, fire late, and the backlog drains
    // (read from Redis at the scrape, against the worker's clock: 0 means every due timer has fired).
    const firedBefore = total(await scrape(worker), 'gridgov_worker_timer_lateness_seconds_count');
    await infra.redis.set(clockKey(infra.keyPrefix), String(START + 3 * 86_400_000));
    const late = await eventually(
      async () => {
        const w = await scrape(worker);
        return {
          fired: total(w, 'gridgov_worker_timer_lateness_seconds_count') - firedBefore,
          latenessSum: total(w, 'gridgov_worker_timer_lateness_seconds_sum'),
          due: total(w, 'gridgov_worker_timers_due'),
          dueSeries: [...w.keys()].filter((k) => k.startsWith('gridgov_worker_timers_due{')).length,
          withinAMinute: total(w, 'gridgov_worker_timer_lateness_seconds_bucket', 'le="60"'),
        };
      },
      (l) => l.fired > 0 && l.dueSeries === PARTITIONS && l.due === 0,
      120_000,
      250,
    );
    // Fired hours after they were due: in the histogram's upper buckets, not within a minute.
    expect(late.latenessSum / (late.fired + firedBefore)).toBeGreaterThan(3_600);
    expect(late.withinAMinute).toBeLessThan(late.fired);

    const before = new Map(await Promise.all(services().map(async (s) => [s.name, (await scrape(s)).size] as const)));
    const consumedBefore = total(await scrape(worker), 'gridgov_kafka_records_consumed_total');
    const eventsTopic = `topic="${infra.topics.events}"`;
    const projectedBefore = total(await scrape(projection), 'gridgov_kafka_records_consumed_total', eventsTopic);

    // 10,000 cases straight onto grid.commands, as the intake signs them (their deadlines after the moved clock), while
    // the worker and the projection are scraped ten times a second: the highest lag each showed is kept.
    let producing = true;
    const peak = { worker: 0, projection: 0, outbox: 0 };
    const watcher = (async () => {
      while (producing) {
        const [w, p] = await Promise.all([scrape(worker), scrape(projection)]);
        peak.worker = Math.max(peak.worker, total(w, 'gridgov_kafka_consumer_lag'));
        peak.projection = Math.max(peak.projection, total(p, 'gridgov_kafka_consumer_lag'));
        peak.outbox = Math.max(peak.outbox, total(w, 'gridgov_worker_outbox_depth'));
        await new Promise((r) => setTimeout(r, 100));
      }
    })().then(
      () => undefined,
      (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
    );
    const producer = new DurableProducer(infra.kafka);
    await producer.connect();
    const now = new Date(START).toISOString();
    for (let from = 0; from < CASES; from += 1_000) {
      const batch = Array.from({ length: Math.min(1_000, CASES - from) }, (_, k): CommandEnvelope => {
        const i = from + k;
        const gridCode = grids[i % grids.length]!;
        return signedForTest(
          {
            commandId: uuid(i, `${infra.id}-command`),
            incidentId: uuid(i, `${infra.id}-incident`),
            issuedAt: now,
            actor: { id: `staff-${i % 40}`, role: 'grid_staff', areas: [gridCode] },
            command: {
              type: 'ReportIncident',
              data: {
                reportId: `metrics-${i}`,
                gridCode,
                category: 'exposed_rubbish',
                urgency: 'normal',
                description: '路边堆放生活垃圾',
                location: distinctPlace(`metrics-${i}`),
                occurredAt: now,
              },
            },
          },
          infra.topics.commands,
        );
      });
      await producer.send(
        infra.topics.commands,
        batch.map((c) => ({ key: c.incidentId, value: JSON.stringify(c) })),
      );
    }
    await producer.disconnect();

    // Everything handled: the worker consumed every case, its lag and outbox and the projection's lag are 0 again.
    const settled = await eventually(
      async () => {
        const [w, p] = await Promise.all([scrape(worker), scrape(projection)]);
        peak.worker = Math.max(peak.worker, total(w, 'gridgov_kafka_consumer_lag'));
        peak.projection = Math.max(peak.projection, total(p, 'gridgov_kafka_consumer_lag'));
        return {
          // Read at this scrape (a scrape whose Redis read timed out leaves the series out).
          outboxSeries: [...w.keys()].filter((k) => k.startsWith('gridgov_worker_outbox_depth{')).length,
          consumed: total(w, 'gridgov_kafka_records_consumed_total') - consumedBefore,
          workerLag: total(w, 'gridgov_kafka_consumer_lag'),
          outbox: total(w, 'gridgov_worker_outbox_depth'),
          projectionLag: total(p, 'gridgov_kafka_consumer_lag'),
          // Its one consumer (both folds, ADR 0040) reads every event: at least one per case.
          projected: total(p, 'gridgov_kafka_records_consumed_total', eventsTopic) - projectedBefore,
        };
      },
      (s) =>
        s.outboxSeries === PARTITIONS &&
        s.consumed >= CASES &&
        s.workerLag === 0 &&
        s.outbox === 0 &&
        s.projectionLag === 0 &&
        s.projected >= CASES,
      240_000,
      200,
    );
    producing = false;
    const watchFailed = await watcher;
    if (watchFailed) throw watchFailed;
    expect(settled).toMatchObject({ workerLag: 0, outbox: 0, projectionLag: 0 });
    // 10,000 commands come in more batches than one: the lag after the first is what was still behind it.
    expect(peak.worker).toBeGreaterThan(0);
    // The projection's lag is not asked to show above 0: the worker relays its events chunk by chunk (ADR 0037), and on
    // a quiet machine the projection's every batch reaches the high watermark it was fetched at, so its gauge can stay
    // 0 throughout. Its series is there and says 0 once everything is projected (`settled` above).
    expect([...(await scrape(projection)).keys()].some((k) => k.startsWith('gridgov_kafka_consumer_lag{'))).toBe(true);
    // Each batch's events, notifications and outcomes wait in the outbox from its commit in Redis to Kafka's ack.
    expect(peak.outbox).toBeGreaterThan(0);
    const workerSamples = await scrape(worker);
    // One outbox and one timer-backlog series per owned partition.
    expect([...workerSamples.keys()].filter((s) => s.startsWith('gridgov_worker_outbox_depth{'))).toHaveLength(PARTITIONS);
    expect([...workerSamples.keys()].filter((s) => s.startsWith('gridgov_worker_timers_due{'))).toHaveLength(PARTITIONS);

    // Cardinality: under the ceiling, and 10,000 cases added almost nothing; no label names a case or a person.
    for (const service of services()) {
      const samples = await scrape(service);
      expect(samples.size, service.name).toBeLessThan(SERIES_CEILING);
      expect(samples.size - before.get(service.name)!, service.name).toBeLessThan(SERIES_GROWTH_CEILING);
      const leaking = [...samples.keys()].filter((s) => /[0-9a-f]{8}-[0-9a-f]{4}-|staff-\d|metrics-\d/.test(s));
      expect(leaking, service.name).toEqual([]);
      console.info(`metrics e2e: ${service.name} exports ${samples.size} series after ${CASES} cases`);
    }
    console.info(`metrics e2e: peak lag worker ${peak.worker}, projection ${peak.projection}; peak outbox ${peak.outbox}`);
  });
});
