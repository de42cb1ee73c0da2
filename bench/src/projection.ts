import { randomUUID } from 'node:crypto';
import type { GridEvent } from '@gridgov/contracts';
import { AreaFixtures } from '@gridgov/domain';
import { DurableProducer } from '@gridgov/kafka';
import { benchInfra, freePort, percentile, repoRoot, report, startProcess, type BenchInfra, type Figure } from './support.ts';

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

async function fillHistory(infra: BenchInfra, incidents: number): Promise<number> {
  const grids = AreaFixtures.xinhui()
    .ofLevel('grid')
    .map((g) => g.code);
  const categories = ['exposed_rubbish', 'dirty_road', 'dispute', 'fire_safety', 'illegal_construction'];
  const producer = new DurableProducer(infra.kafka);
  await producer.connect();
  const start = Date.parse('2026-01-01T00:00:00Z');
  let events = 0;
  for (let i = 0; i < incidents; i += 1_000) {
    const records = [];
    for (let j = i; j < Math.min(incidents, i + 1_000); j++) {
      const id = randomUUID();
      for (const e of caseEvents(
        id,
        grids[j % grids.length]!,
        start + ((j * 7_919) % (300 * 86_400)) * 1000,
        categories[j % categories.length]!,
      )) {
        records.push({ key: id, value: JSON.stringify(e) });
      }
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
      (err, stdout) => (err ? reject(err) : resolve(stdout)),
    ),
  );
  // start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
  const line = output.trim().split('\n').pop() ?? '';
  const cols = line.split(',').map((c) => c.trim());
  return { total: Number(cols[5]), fetch: Number(cols[9]) };
}

async function figuresReported(url: string): Promise<number> {
  const res = await fetch(`${url}/v1/figures?area=440700&window=all`).catch(() => undefined);
  if (!res?.ok) return -1;
  return ((await res.json()) as { figures: { reported: number; closed: number } }).figures.closed;
}

/** Open-loop load: requests start on schedule whether or not earlier ones have answered. */
async function fixedRate(urls: readonly string[], ratePerSecond: number, seconds: number): Promise<number[]> {
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
      fetch(url).then(async (res) => {
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
    const fillStart = Date.now();
    const events = await fillHistory(infra, incidents);
    const fillSeconds = (Date.now() - fillStart) / 1000;

    const bare = await bareConsumer(infra, events, false);
    const bareParsed = await bareConsumer(infra, events, true);
    const perf = await kafkaConsumerPerformance(infra, events);

    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const started = Date.now();
    const projection = await startProcess('projection', { ...infra.env, PORT: String(port), LOG_LEVEL: 'warn' }, `${url}/readyz`);
    let applied = -1;
    let firstAt = 0;
    while (applied < incidents) {
      applied = await figuresReported(url);
      if (applied > 0 && firstAt === 0) firstAt = Date.now();
      await new Promise((r) => setTimeout(r, 50));
    }
    const replaySeconds = (Date.now() - started) / 1000;

    const areas = AreaFixtures.xinhui();
    const towns = areas.children('440705').map((t) => t.code);
    const figureUrls = ['440700', '440705', ...towns].map((a) => `${url}/v1/figures?area=${a}&window=month&at=2026-06-15`);
    const rankingUrls = [`${url}/v1/rankings?area=440705&window=month&at=2026-06-15`];
    const rate = 200;
    const figureLatency = await fixedRate(figureUrls, rate, 10);
    const rankingLatency = await fixedRate(rankingUrls, 50, 10);

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
    ];
    report('projection', figures, { incidents, events });
    projection.kill('SIGTERM');
  } finally {
    await infra.cleanup();
  }
}
