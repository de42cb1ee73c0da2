import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import type { GridEvent } from '@gridgov/contracts';
import { AreaFixtures } from '@gridgov/domain';
import { benchInfra, freePort, peakRss, percentile, report, startProcess, tokenFor, type BenchInfra, type Figure } from './support.ts';

const grids = AreaFixtures.xinhui()
  .ofLevel('grid')
  .map((g) => g.code);

interface Sent {
  readonly at: number;
  incidentId?: string;
}

/**
 * End to end: a report accepted by the API → its dispatch counted by the projection. The bench
 * learns each case's dispatch record (partition, offset) from grid.events and watches the
 * projection's checkpoints (generation 1's keys); a case is visible in /v1/figures once the
 * checkpoint of its partition has passed that record. Open loop: reports go out on schedule.
 */
async function offeredRate(infra: BenchInfra, intake: string, rate: number, seconds: number, tokens: readonly string[]): Promise<Figure[]> {
  const sent: Sent[] = [];
  const byIncident = new Map<string, Sent>();
  // Per events partition, the dispatches not yet seen counted, in offset order (the reader gets them in order).
  const pending = Array.from({ length: 12 }, () => [] as { id: string; offset: bigint }[]);
  const visibleAt = new Map<string, number>();

  const consumer = infra.kafka.consumer({ groupId: `${infra.id}-e2e-${rate}`, maxWaitTimeInMs: 20 });
  await consumer.connect();
  await consumer.subscribe({ topic: infra.topics.events, fromBeginning: false });
  await consumer.run({
    eachMessage: ({ partition, message }) => {
      const event = JSON.parse(message.value!.toString()) as GridEvent;
      if (event.type === 'IncidentDispatched') {
        pending[partition]!.push({ id: event.metadata.incidentId, offset: BigInt(message.offset) });
      }
      return Promise.resolve();
    },
  });
  await new Promise((r) => setTimeout(r, 3_000)); // the reader's group is joined before the first report

  let watching = true;
  const watcher = (async () => {
    while (watching || visibleAt.size < byIncident.size) {
      const checkpoints = await infra.redis.mget(...Array.from({ length: 12 }, (_, p) => `${infra.id}:g1:{pj${p}}:checkpoint`));
      const now = performance.now();
      pending.forEach((queue, p) => {
        const cp = checkpoints[p];
        if (!cp) return;
        const applied = BigInt(cp);
        while (queue.length > 0 && queue[0]!.offset <= applied) visibleAt.set(queue.shift()!.id, now);
      });
      if (!watching && performance.now() - (sent[sent.length - 1]?.at ?? 0) > 60_000) break;
      await new Promise((r) => setTimeout(r, 5));
    }
  })();

  const total = rate * seconds;
  const start = performance.now();
  const inflight: Promise<void>[] = [];
  let rejected = 0;
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const entry: Sent = { at: due };
    sent.push(entry);
    const grid = i % grids.length;
    inflight.push(
      fetch(`${intake}/v1/incidents`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[grid]}` },
        body: JSON.stringify({
          reportId: randomUUID(),
          gridCode: grids[grid],
          category: 'exposed_rubbish',
          urgency: 'normal',
          description: '端到端延迟测试',
          location: { lat: 22.5, lng: 113.0 },
          occurredAt: new Date().toISOString(),
        }),
      }).then(async (res) => {
        const body = (await res.json()) as { incidentId?: string };
        if (res.status !== 202 || !body.incidentId) rejected++;
        else {
          entry.incidentId = body.incidentId;
          byIncident.set(body.incidentId, entry);
        }
      }),
    );
  }
  await Promise.all(inflight);
  watching = false;
  await watcher;
  await consumer.disconnect();

  const latencies = [...visibleAt].map(([id, at]) => at - (byIncident.get(id)?.at ?? at)).sort((a, b) => a - b);
  return [
    { name: `@${rate}/s visible p50`, value: percentile(latencies, 50), unit: 'ms' },
    { name: `@${rate}/s visible p99`, value: percentile(latencies, 99), unit: 'ms' },
    { name: `@${rate}/s visible max`, value: latencies[latencies.length - 1] ?? Number.NaN, unit: 'ms' },
    { name: `@${rate}/s reports`, value: total, unit: '', note: `${latencies.length} seen counted, ${rejected} not accepted` },
  ];
}

export async function endToEndBench(rates: readonly number[], seconds: number): Promise<void> {
  const infra = await benchInfra(12);
  const processes: ChildProcess[] = [];
  try {
    const intakePort = await freePort();
    const projectionPort = await freePort();
    const env = { ...infra.env, LOG_LEVEL: 'warn' };
    // The worker is ready once it has taken every commands partition (their epochs exist).
    const owned = async () => (await infra.redis.exists(...Array.from({ length: 12 }, (_, p) => `${infra.id}:{w${p}}:epoch`))) === 12;
    processes.push(await startProcess('dispatch-worker', env, owned));
    processes.push(await startProcess('projection', { ...env, PORT: String(projectionPort) }, `http://127.0.0.1:${projectionPort}/readyz`));
    processes.push(await startProcess('intake-api', { ...env, PORT: String(intakePort) }, `http://127.0.0.1:${intakePort}/readyz`));
    const tokens = grids.map((grid) => tokenFor(infra, { role: 'grid_staff', areas: [grid], sub: `staff-${grid}` }));
    const figures: Figure[] = [];
    for (const rate of rates) figures.push(...(await offeredRate(infra, `http://127.0.0.1:${intakePort}`, rate, seconds, tokens)));
    const [worker, projection, intake] = processes;
    figures.push(
      { name: 'intake-api peak RSS', value: Math.round(peakRss(intake?.pid) / 2 ** 20), unit: 'MiB' },
      { name: 'dispatch-worker peak RSS', value: Math.round(peakRss(worker?.pid) / 2 ** 20), unit: 'MiB' },
      { name: 'projection peak RSS', value: Math.round(peakRss(projection?.pid) / 2 ** 20), unit: 'MiB' },
    );
    report('end-to-end', figures, { rates, seconds });
  } finally {
    for (const p of processes) p.kill('SIGTERM');
    await infra.cleanup();
  }
}
