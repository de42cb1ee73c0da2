import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { GridEvent } from '@gridgov/contracts';
import { AreaFixtures } from '@gridgov/domain';
import { DurableProducer } from '@gridgov/kafka';
import {
  benchInfra,
  freePort,
  peakRss,
  percentile,
  repoRoot,
  report,
  startProcess,
  tokenFor,
  type BenchInfra,
  type Figure,
} from './support.ts';

const STAFF = { id: 'staff-1', role: 'grid_staff' } as const;
const SYSTEM = { id: 'system', role: 'system' } as const;

/** Five events of one closed case: reported, dispatched, accepted, resolved, closed. */
function caseEvents(incidentId: string, gridCode: string, reportedAt: number, category: string): GridEvent[] {
  const at = (h: number) => new Date(reportedAt + h * 3_600_000).toISOString();
  const meta = (version: number, h: number, actor: GridEvent['metadata']['actor'] = SYSTEM) => ({
    eventId: `${incidentId}:${version}`,
    incidentId,
    version,
    occurredAt: at(h),
    actor,
  });
  return [
    {
      type: 'IncidentReported',
      data: {
        reportId: `r-${incidentId}`,
        reporterId: STAFF.id,
        gridCode,
        category,
        urgency: 'normal',
        description: '基准测试',
        location: { lat: 22.5, lng: 113 },
        occurredAt: at(0),
        reportedAt: at(0),
      },
      metadata: meta(1, 0, STAFF),
    },
    {
      type: 'IncidentDispatched',
      data: { department: 'sanitation', by: 'routing', signForDue: at(2), handlingDue: at(24) },
      metadata: meta(2, 0),
    },
    { type: 'IncidentAccepted', data: { department: 'sanitation' }, metadata: meta(3, 1) },
    {
      type: 'IncidentResolved',
      data: { notes: '已处置', photoRefs: [], handlingMs: 3 * 3_600_000, verificationDue: at(30) },
      metadata: meta(4, 3),
    },
    { type: 'IncidentClosed', data: { onTime: true, handlingMs: 3 * 3_600_000 }, metadata: meta(5, 5, STAFF) },
  ];
}

interface CaseFacts {
  readonly id: string;
  readonly grid: string;
  readonly category: string;
  readonly reportedAt: number;
}

/** The same cases for the projection (as events) and for PostgreSQL (as rows). */
function cases(incidents: number): CaseFacts[] {
  const grids = AreaFixtures.xinhui()
    .ofLevel('grid')
    .map((g) => g.code);
  const categories = ['exposed_rubbish', 'dirty_road', 'dispute', 'fire_safety', 'illegal_construction'];
  const start = Date.parse('2026-01-01T00:00:00Z');
  return Array.from({ length: incidents }, (_, j) => ({
    id: randomUUID(),
    grid: grids[j % grids.length]!,
    category: categories[j % categories.length]!,
    reportedAt: start + ((j * 7_919) % (300 * 86_400)) * 1000,
  }));
}

async function fillHistory(infra: BenchInfra, facts: readonly CaseFacts[]): Promise<number> {
  const producer = new DurableProducer(infra.kafka);
  await producer.connect();
  let events = 0;
  for (let i = 0; i < facts.length; i += 1_000) {
    const records = [];
    for (const c of facts.slice(i, i + 1_000)) {
      for (const e of caseEvents(c.id, c.grid, c.reportedAt, c.category)) records.push({ key: c.id, value: JSON.stringify(e) });
    }
    await producer.send(infra.topics.events, records);
    events += records.length;
  }
  await producer.disconnect();
  return events;
}

/** A bare kafkajs consumer reading the same topic to its end: the ceiling of the client library. */
async function bareConsumer(infra: BenchInfra, events: number, parse: boolean): Promise<number> {
  const consumer = infra.kafka.consumer({ groupId: `${infra.id}-bare-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic: infra.topics.events, fromBeginning: true });
  let seen = 0;
  let started = 0;
  const done = new Promise<void>((resolve) => {
    void consumer.run({
      eachBatch: ({ batch }) => {
        if (started === 0) started = Date.now();
        for (const m of batch.messages) if (parse) JSON.parse(m.value!.toString());
        seen += batch.messages.length;
        if (seen >= events) resolve();
        return Promise.resolve();
      },
    });
  });
  await done;
  const seconds = (Date.now() - started) / 1000;
  await consumer.disconnect();
  return events / seconds;
}

/** Kafka's own consumer benchmark (ConsumerPerformance, from the broker's jars) on the same topic. */
async function kafkaConsumerPerformance(infra: BenchInfra, events: number): Promise<{ total: number; fetch: number }> {
  const { execFile } = await import('node:child_process');
  const brokers = process.env['KAFKA_BROKERS']!;
  const output = await new Promise<string>((resolve, reject) =>
    execFile(
      'java',
      [
        '-Xmx512m',
        '-cp',
        `${repoRoot}/infra/kafka/lib/*`,
        'org.apache.kafka.tools.ConsumerPerformance',
        '--bootstrap-server',
        brokers,
        '--topic',
        infra.topics.events,
        '--messages',
        String(events),
        '--group',
        `${infra.id}-perf`,
        '--timeout',
        '60000',
      ],
      { maxBuffer: 1 << 20 },
      (err: Error | null, stdout: string) => (err ? reject(err) : resolve(stdout)),
    ),
  );
  // start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
  const line = output.trim().split('\n').pop() ?? '';
  const cols = line.split(',').map((c) => c.trim());
  return { total: Number(cols[5]), fetch: Number(cols[9]) };
}

async function usedMemory(infra: BenchInfra): Promise<number> {
  const info = await infra.redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN);
}

async function loadPostgres(table: string, facts: readonly CaseFacts[]): Promise<void> {
  const client = new pg.Client({ connectionString: process.env['PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test' });
  await client.connect();
  await client.query(`CREATE TABLE ${table} (id uuid PRIMARY KEY, grid text, community text, town text, district text, city text,
    category text, department text, reported_at timestamptz, rejected bool, closed bool, closed_on_time bool, overdue bool,
    reworked bool, extended bool, escalated bool, handling_ms bigint)`);
  for (let i = 0; i < facts.length; i += 1_000) {
    const chunk = facts.slice(i, i + 1_000);
    const values: unknown[] = [];
    const rows = chunk.map((c, k) => {
      values.push(
        c.id,
        c.grid,
        c.grid.slice(0, 12),
        c.grid.slice(0, 9),
        c.grid.slice(0, 6),
        `${c.grid.slice(0, 4)}00`,
        c.category,
        new Date(c.reportedAt).toISOString(),
      );
      const b = k * 8;
      return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}, $${b + 7}, 'sanitation', $${b + 8}, false, true, true, false, false, false, false, 10800000)`;
    });
    await client.query(`INSERT INTO ${table} VALUES ${rows.join(',')}`, values);
  }
  for (const level of ['city', 'district', 'town', 'community', 'grid']) {
    await client.query(`CREATE INDEX ON ${table} (${level}, reported_at)`);
  }
  await client.query(`ANALYZE ${table}`);
  await client.end();
}

async function dropPostgres(table: string): Promise<void> {
  const client = new pg.Client({ connectionString: process.env['PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test' });
  await client.connect();
  await client.query(`DROP TABLE IF EXISTS ${table}`);
  await client.end();
}

async function figuresReported(url: string, headers: Record<string, string>): Promise<number> {
  const res = await fetch(`${url}/v1/figures?area=440700&window=all`, { headers }).catch(() => undefined);
  if (!res?.ok) return -1;
  return ((await res.json()) as { figures: { reported: number; closed: number } }).figures.closed;
}

/** Open-loop load: requests start on schedule whether or not earlier ones have answered. */
async function fixedRate(
  urls: readonly string[],
  ratePerSecond: number,
  seconds: number,
  headers: Record<string, string> = {},
): Promise<number[]> {
  const latencies: number[] = [];
  const inflight: Promise<void>[] = [];
  const total = ratePerSecond * seconds;
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / ratePerSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const url = urls[i % urls.length]!;
    inflight.push(
      fetch(url, { headers }).then(async (res) => {
        await res.arrayBuffer();
        if (!res.ok) throw new Error(`${url}: ${res.status}`);
        latencies.push(performance.now() - due);
      }),
    );
  }
  await Promise.all(inflight);
  return latencies.sort((a, b) => a - b);
}

export async function projectionBench(incidents: number): Promise<void> {
  const infra = await benchInfra(12);
  try {
    const facts = cases(incidents);
    const redisBefore = await usedMemory(infra);
    const fillStart = Date.now();
    const events = await fillHistory(infra, facts);
    const fillSeconds = (Date.now() - fillStart) / 1000;

    const bare = await bareConsumer(infra, events, false);
    const bareParsed = await bareConsumer(infra, events, true);
    const perf = await kafkaConsumerPerformance(infra, events);

    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const leader = { authorization: `Bearer ${tokenFor(infra, { role: 'leader', areas: ['440700'], sub: 'leader-bench' })}` };
    const started = Date.now();
    const projection = await startProcess('projection', { ...infra.env, PORT: String(port), LOG_LEVEL: 'warn' }, `${url}/readyz`);
    let applied = -1;
    let firstAt = 0;
    while (applied < incidents) {
      applied = await figuresReported(url, leader);
      if (applied > 0 && firstAt === 0) firstAt = Date.now();
      await new Promise((r) => setTimeout(r, 50));
    }
    const replaySeconds = (Date.now() - started) / 1000;
    const redisAfter = await usedMemory(infra);

    const areas = AreaFixtures.xinhui();
    const towns = areas.children('440705').map((t) => t.code);
    const figureUrls = ['440700', '440705', ...towns].map((a) => `${url}/v1/figures?area=${a}&window=month&at=2026-06-15`);
    const rankingUrls = [`${url}/v1/rankings?area=440705&window=month&at=2026-06-15`];
    const rate = 200;
    const figureLatency = await fixedRate(figureUrls, rate, 10, leader);
    const rankingLatency = await fixedRate(rankingUrls, 50, 10, leader);
    const projectionRss = peakRss(projection.pid);
    projection.kill('SIGTERM');

    // The same questions asked of PostgreSQL, GROUP BY over a table of the same cases.
    const table = `${infra.id}_incidents`;
    await loadPostgres(table, facts);
    const pgPort = await freePort();
    const pgUrl = `http://127.0.0.1:${pgPort}`;
    const pgServer = spawn(process.execPath, ['--import', 'tsx', 'bench/src/pg-server.ts'], {
      cwd: repoRoot,
      env: { ...process.env, PORT: String(pgPort), PG_TABLE: table },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    for (
      let i = 0;
      i < 100 &&
      !(await fetch(`${pgUrl}/readyz`).then(
        (r) => r.ok,
        () => false,
      ));
      i++
    )
      await new Promise((r) => setTimeout(r, 100));
    const pgFigureUrls = figureUrls.map((u) => u.replace(url, pgUrl));
    const pgRankingUrls = rankingUrls.map((u) => u.replace(url, pgUrl));
    await fixedRate(pgFigureUrls, 50, 2); // warm-up
    const pgFigureLatency = await fixedRate(pgFigureUrls, rate, 10);
    const pgRankingLatency = await fixedRate(pgRankingUrls, 50, 10);
    pgServer.kill('SIGTERM');
    await dropPostgres(table);

    const figures: Figure[] = [
      {
        name: 'events in grid.events',
        value: events,
        unit: '',
        note: `${incidents.toLocaleString('en-US')} closed cases × 5 events, 12 partitions`,
      },
      { name: 'fill (produce, acks=all)', value: Math.round(events / fillSeconds), unit: 'events/s' },
      { name: 'bare kafkajs consumer', value: Math.round(bare), unit: 'events/s', note: 'reads only' },
      { name: 'bare kafkajs consumer + JSON.parse', value: Math.round(bareParsed), unit: 'events/s' },
      {
        name: 'Kafka ConsumerPerformance (Java)',
        value: Math.round(perf.total),
        unit: 'events/s',
        note: `${Math.round(perf.fetch).toLocaleString('en-US')}/s not counting the group join`,
      },
      {
        name: 'projection replay',
        value: Math.round(events / replaySeconds),
        unit: 'events/s',
        note: 'process start to last event counted, incl. group join',
      },
      { name: 'projection / bare consumer', value: Math.round((events / replaySeconds / bare) * 1000) / 10, unit: '%' },
      { name: `figures p50 @ ${rate}/s`, value: percentile(figureLatency, 50), unit: 'ms' },
      { name: `figures p99 @ ${rate}/s`, value: percentile(figureLatency, 99), unit: 'ms' },
      { name: 'rankings p50 @ 50/s', value: percentile(rankingLatency, 50), unit: 'ms', note: '11 towns' },
      { name: 'rankings p99 @ 50/s', value: percentile(rankingLatency, 99), unit: 'ms' },
      {
        name: `PostgreSQL figures p50 @ ${rate}/s`,
        value: percentile(pgFigureLatency, 50),
        unit: 'ms',
        note: 'GROUP BY over the same cases, indexed',
      },
      { name: `PostgreSQL figures p99 @ ${rate}/s`, value: percentile(pgFigureLatency, 99), unit: 'ms' },
      { name: 'PostgreSQL rankings p50 @ 50/s', value: percentile(pgRankingLatency, 50), unit: 'ms' },
      { name: 'PostgreSQL rankings p99 @ 50/s', value: percentile(pgRankingLatency, 99), unit: 'ms' },
      {
        name: 'Redis memory per million cases',
        value: Math.round((((redisAfter - redisBefore) / incidents) * 1e6) / 2 ** 20),
        unit: 'MiB',
        note: 'projection counters and case facts',
      },
      { name: 'projection peak RSS', value: Math.round(projectionRss / 2 ** 20), unit: 'MiB' },
    ];
    report('projection', figures, { incidents, events });
  } finally {
    await infra.cleanup();
  }
}
