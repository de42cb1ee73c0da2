import { randomUUID } from 'node:crypto';
import { cpus, totalmem } from 'node:os';
import type { CommandEnvelope, GridEvent } from '@gridgov/contracts';
import { AreaFixtures } from '@gridgov/domain';
import { DurableProducer } from '@gridgov/kafka';
import { benchInfra, peakRss, percentile, report, signed, startProcess } from './support.ts';

/**
 * Timer lateness: N open cases whose sign-for deadline runs on the wall clock; the worker warns
 * at 50% and 80% of it. Lateness = when the warning reached grid.events (the record's timestamp)
 * minus when it was due (the event's occurredAt). Every case's timers are open at once.
 */
export async function timerLateness(incidents: number): Promise<void> {
  // Long enough that every report is dispatched before the first warning falls due (~3,000 reports/s here).
  const signForMinutes = Math.max(3, Math.ceil((incidents / 3_000 / 60) * 2) + 1);
  const infra = await benchInfra();
  const pollMs = 250;
  const worker = await startProcess(
    'dispatch-worker',
    { ...infra.env, LOG_LEVEL: 'info', TIMER_POLL_MS: String(pollMs), DEADLINE_SIGN_FOR: `${signForMinutes} natural_minutes` },
    /owning command partitions/,
  );
  const grids = AreaFixtures.xinhui()
    .ofLevel('grid')
    .map((g) => g.code);
  try {
    const producer = new DurableProducer(infra.kafka);
    await producer.connect();
    const startFill = Date.now();
    for (let i = 0; i < incidents; i += 2_000) {
      const batch = Array.from({ length: Math.min(2_000, incidents - i) }, (_, j): CommandEnvelope => {
        const n = i + j;
        const incidentId = randomUUID();
        return {
          commandId: randomUUID(),
          incidentId,
          issuedAt: new Date().toISOString(),
          actor: { id: `staff-${n % 1000}`, role: 'grid_staff', areas: [grids[n % grids.length]!] },
          command: {
            type: 'ReportIncident',
            data: {
              reportId: `bench-${n}-${incidentId.slice(0, 8)}`,
              gridCode: grids[n % grids.length]!,
              category: 'manhole_cover',
              urgency: 'normal',
              description: '井盖缺失',
              location: { lat: 22.5, lng: 113.0 },
              occurredAt: new Date().toISOString(),
            },
          },
        };
      });
      await producer.send(
        infra.topics.commands,
        batch.map((c) => ({ key: c.incidentId, value: JSON.stringify(signed(infra, c)) })),
      );
    }
    await producer.disconnect();

    const lateness: number[] = [];
    let dispatched = 0;
    let lastDispatchAt = 0;
    const consumer = infra.kafka.consumer({ groupId: `${infra.id}-reader`, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: infra.topics.events, fromBeginning: true });
    const expected = incidents * 2;
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        eachBatch: ({ batch }) => {
          for (const m of batch.messages) {
            const event = JSON.parse(m.value!.toString()) as GridEvent;
            if (event.type === 'IncidentDispatched') {
              dispatched++;
              lastDispatchAt = Math.max(lastDispatchAt, Number(m.timestamp));
            } else if (event.type === 'DeadlineWarned' && event.data.stage === 'sign_for') {
              lateness.push(Number(m.timestamp) - Date.parse(event.metadata.occurredAt));
            }
          }
          if (lateness.length >= expected) resolve();
          return Promise.resolve();
        },
      });
    });
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, (signForMinutes * 60 + 120) * 1000));
    await Promise.race([done, timeout]);
    await consumer.disconnect();
    const fillSeconds = (lastDispatchAt - startFill) / 1000;
    const workerRss = peakRss(worker.pid);
    const redisMemory = Number(/used_memory:(\d+)/.exec(await infra.redis.info('memory'))?.[1] ?? Number.NaN);
    lateness.sort((a, b) => a - b);
    const openAtFirstWarning = lateness.length > 0 ? incidents : 0;
    report(
      'timers',
      [
        { name: 'open cases (each with timers)', value: openAtFirstWarning, unit: '' },
        { name: 'warnings measured', value: lateness.length, unit: `of ${expected}` },
        { name: 'lateness p50', value: percentile(lateness, 50), unit: 'ms' },
        { name: 'lateness p99', value: percentile(lateness, 99), unit: 'ms' },
        { name: 'lateness max', value: lateness[lateness.length - 1] ?? Number.NaN, unit: 'ms' },
        { name: 'timer poll interval', value: pollMs, unit: 'ms', note: 'a timer waits up to this long by design' },
        { name: 'reports dispatched', value: dispatched, unit: '' },
        { name: 'dispatch-worker peak RSS', value: Math.round(workerRss / 2 ** 20), unit: 'MiB' },
        {
          name: 'Redis used memory (whole server)',
          value: Math.round(redisMemory / 2 ** 20),
          unit: 'MiB',
          note: 'worker state, timers and views of these cases, plus whatever else the server holds',
        },
        { name: 'dispatch rate (fill)', value: fillSeconds > 0 ? Math.round(dispatched / fillSeconds) : 0, unit: 'reports/s' },
      ],
      { incidents, signForMinutes, cpus: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30) },
    );
    if (lateness.length < expected) throw new Error(`only ${lateness.length} of ${expected} warnings arrived in time`);
  } finally {
    worker.kill('SIGTERM');
    await new Promise((r) => worker.once('exit', r));
    await infra.cleanup();
  }
}
