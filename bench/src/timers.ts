import { randomUUID } from 'node:crypto';
import type { CommandEnvelope, GridEvent } from '@gridgov/contracts';
import { DurableProducer, runBatchConsumer } from '@gridgov/kafka';
import { clockKey } from '@gridgov/redis';
import { progressLine } from '@gridgov/runtime';
import { pino } from 'pino';
import {
  bareProcessRss,
  benchInfra,
  MiB,
  peakRss,
  percentile,
  report,
  signed,
  startProcess,
  stopProcess,
  type SuiteRows,
} from './support.ts';
import { loadXinhuiAreas } from '@gridgov/testing';

const HOUR = 3_600_000;
/** 井盖缺失, very urgent: handled within 2 natural hours (the catalog's), so the calendar plays no part. */
const CATEGORY = 'manhole_cover';
const HANDLING_MS = 2 * HOUR;
/** The one warning, half way through the handling time. */
const WARNING_FRACTION = 0.5;
/** The case clock starts on a Monday morning. */
const CASE_CLOCK_START = Date.parse('2026-03-02T09:00:00+08:00');
/** After each move of the clock, the first timer falls due this long after it. */
const LEAD_MS = 3_000;
const POLL_MS = 250;

/** An event as read from grid.events: when it reached the topic (real) and when it was due (case clock). */
interface Seen {
  readonly recordedAt: number;
  readonly dueAt: number;
}

/**
 * Timer lateness with N cases open at once. The dispatch worker runs on the Redis clock
 * (CLOCK_SOURCE=redis), which this bench keeps at real speed from a Monday morning: N very urgent
 * 井盖缺失 reports are dispatched as fast as the worker goes (their deadlines spread as their
 * dispatches did), then the clock moves forward to just before the first handling warning (half
 * way) is due, and once every warning is in, to just before the first deadline: 超期 and 督办 to the
 * community. Each kind of timer thus falls due in real time, as densely as the worker dispatched,
 * while all N cases are open, and the two never overlap (nothing else is due meanwhile: sign-for
 * takes 5 hours, the next escalation 1 hour more). Lateness = when the event reached grid.events
 * (the record's timestamp) minus the real instant the clock reached its due time.
 */
export async function timerLateness(incidents: number): Promise<SuiteRows> {
  const infra = await benchInfra();
  const clock = { realStart: Date.now(), jumpMs: 0 };
  const caseNow = () => CASE_CLOCK_START + (Date.now() - clock.realStart) + clock.jumpMs;
  /** Moves the clock so that it shows `at` now. */
  const jumpTo = (at: number) => (clock.jumpMs += at - caseNow());
  /** How late an event was, with the clock as it ran since the last move (the events of one phase arrive within it). */
  const lateness = (seen: readonly Seen[], jumpMs: number) =>
    seen.map((e) => e.recordedAt - (clock.realStart + (e.dueAt - CASE_CLOCK_START) - jumpMs)).sort((a, b) => a - b);
  const key = clockKey(infra.id);
  const tickClock = () => infra.redis.set(key, String(caseNow()));
  await tickClock();
  const ticking = setInterval(() => void tickClock().catch(() => undefined), 5);
  const worker = await startProcess(
    'dispatch-worker',
    {
      ...infra.workerEnv,
      LOG_LEVEL: 'info',
      CLOCK_SOURCE: 'redis',
      TIMER_POLL_MS: String(POLL_MS),
      WARNING_FRACTIONS: String(WARNING_FRACTION),
      DEADLINE_SIGN_FOR: '5 natural_hours',
      ESCALATION_EVERY: '1 natural_hours',
    },
    /owning command partitions/,
  );
  const grids = loadXinhuiAreas()
    .ofLevel('grid')
    .map((g) => g.code);
  const warned: Seen[] = [];
  const escalated: Seen[] = [];
  let dispatched = 0;
  let firstDispatch = Number.POSITIVE_INFINITY;
  let lastDispatchAt = 0;
  try {
    let phase: { readonly count: () => number; readonly done: () => void } | undefined;
    const reached = (count: () => number, timeoutMs: number) =>
      Promise.race([new Promise<void>((done) => (phase = { count, done })), new Promise<void>((r) => setTimeout(r, timeoutMs))]);
    const consumer = await runBatchConsumer({
      kafka: infra.kafka,
      groupId: `${infra.id}-reader`,
      topics: [infra.topics.events],
      // Its troubles on stderr: a reader that stopped would otherwise leave the suite waiting without a word.
      logger: pino({ level: 'warn' }, pino.destination(2)),
      onCrash: (err) => console.error('timers: the grid.events reader crashed for good', err),
      maxWaitMs: 50,
      // The bench signs and produces its reports in this process meanwhile: on a busy machine a 10 s session lost the
      // group, and kafkajs gave the reader up for good (silently: its log is off), leaving the suite waiting.
      sessionTimeoutMs: 30_000,
      onBatch: (batch) => {
        for (const m of batch.records) {
          const event = JSON.parse(m.value!.toString()) as GridEvent;
          const seen = () => ({ recordedAt: Number(m.timestamp), dueAt: Date.parse(event.metadata.occurredAt) });
          if (event.type === 'IncidentDispatched') {
            dispatched++;
            firstDispatch = Math.min(firstDispatch, Date.parse(event.metadata.occurredAt));
            lastDispatchAt = Math.max(lastDispatchAt, Number(m.timestamp));
          } else if (event.type === 'DeadlineWarned' && event.data.stage === 'handling') warned.push(seen());
          else if (event.type === 'IncidentEscalated' && !event.data.manual) escalated.push(seen());
        }
        if (phase && phase.count() >= incidents) phase.done();
        return Promise.resolve();
      },
    });

    const producer = new DurableProducer(infra.kafka);
    await producer.connect();
    const progress = progressLine({ label: 'timers', unit: 'reports', total: incidents });
    const startFill = Date.now();
    for (let i = 0; i < incidents; i += 2_000) {
      const batch = Array.from({ length: Math.min(2_000, incidents - i) }, (_, j): CommandEnvelope => {
        const n = i + j;
        const grid = grids[n % grids.length]!;
        const incidentId = randomUUID();
        return {
          commandId: randomUUID(),
          incidentId,
          issuedAt: new Date(caseNow()).toISOString(),
          actor: { id: `gs-${grid}`, role: 'grid_staff', areas: [grid] },
          command: {
            type: 'ReportIncident',
            data: {
              reportId: `bench-${n}-${incidentId.slice(0, 8)}`,
              gridCode: grid,
              category: CATEGORY,
              urgency: 'very_urgent',
              description: '井盖缺失',
              location: { lat: 22.5, lng: 113.0 },
              occurredAt: new Date(caseNow()).toISOString(),
            },
          },
        };
      });
      await producer.send(
        infra.topics.commands,
        batch.map((c) => ({ key: c.incidentId, value: JSON.stringify(signed(infra, c)) })),
      );
      progress.update(i + batch.length, `${dispatched.toLocaleString('en-US')} dispatched`);
    }
    await producer.disconnect();
    // However long the worker takes on a busy machine, as long as it goes on dispatching (a minute without one ends it).
    for (let last = -1, since = Date.now(); dispatched < incidents && Date.now() - since < 60_000;) {
      if (dispatched !== last) [last, since] = [dispatched, Date.now()];
      progress.update(incidents, `${dispatched.toLocaleString('en-US')} dispatched`);
      await new Promise((r) => setTimeout(r, 500));
    }
    progress.finish(`${dispatched.toLocaleString('en-US')} dispatched`);
    if (dispatched < incidents) throw new Error(`only ${dispatched} of ${incidents} reports were dispatched`);
    const fillSeconds = (lastDispatchAt - startFill) / 1000;

    // Every case is open: the clock moves to just before the first warning is due, then to just before the first deadline.
    const phaseMs = LEAD_MS + fillSeconds * 1000 + 60_000;
    jumpTo(firstDispatch + WARNING_FRACTION * HANDLING_MS - LEAD_MS);
    await tickClock();
    const warningJump = clock.jumpMs;
    await reached(() => warned.length, phaseMs);
    jumpTo(firstDispatch + HANDLING_MS - LEAD_MS);
    await tickClock();
    const escalationJump = clock.jumpMs;
    await reached(() => escalated.length, phaseMs);
    await consumer.stop();
    const warnings = lateness(warned, warningJump);
    const escalations = lateness(escalated, escalationJump);

    const workerRss = peakRss(worker.pid);
    const redisMemory = Number(/used_memory:(\d+)/.exec(await infra.redis.info('memory'))?.[1] ?? Number.NaN);
    report(
      'timers',
      [
        { name: 'open cases, each with its timers', value: incidents, unit: '' },
        { name: 'handling warnings measured', value: warnings.length, unit: `of ${incidents}` },
        { name: 'warning lateness p50', value: percentile(warnings, 50), unit: 'ms' },
        { name: 'warning lateness p99', value: percentile(warnings, 99), unit: 'ms' },
        { name: 'warning lateness max', value: warnings.at(-1) ?? Number.NaN, unit: 'ms' },
        { name: 'escalations measured', value: escalations.length, unit: `of ${incidents}` },
        { name: 'escalation lateness p50', value: percentile(escalations, 50), unit: 'ms' },
        { name: 'escalation lateness p99', value: percentile(escalations, 99), unit: 'ms' },
        { name: 'escalation lateness max', value: escalations.at(-1) ?? Number.NaN, unit: 'ms' },
        { name: 'timer poll interval', value: POLL_MS, unit: 'ms', note: 'a timer waits up to this long by design' },
        { name: 'dispatch rate (fill)', value: fillSeconds > 0 ? Math.round(incidents / fillSeconds) : 0, unit: 'reports/s' },
        { name: 'dispatch-worker peak RSS', value: Math.round(workerRss / MiB), unit: 'MiB' },
        {
          name: 'Redis used memory (whole server)',
          value: Math.round(redisMemory / MiB),
          unit: 'MiB',
          note: 'worker state, timers and views of these cases, plus whatever else the server holds',
        },
      ],
      { incidents, category: CATEGORY, warningFraction: WARNING_FRACTION, pollMs: POLL_MS, fillSeconds },
    );
    if (warnings.length < incidents || escalations.length < incidents) {
      throw new Error(`only ${warnings.length} warnings and ${escalations.length} escalations of ${incidents} each arrived in time`);
    }
    const open = `${Math.round(incidents / 1000).toLocaleString('en-US')}k open`;
    const poll = { name: 'timer poll interval', value: POLL_MS, unit: 'ms' };
    return [
      { figure: `timers: warning lateness p50, ${open}`, value: percentile(warnings, 50), unit: 'ms', reference: poll },
      { figure: `timers: warning lateness p99, ${open}`, value: percentile(warnings, 99), unit: 'ms', reference: poll },
      { figure: `timers: escalation lateness p50, ${open}`, value: percentile(escalations, 50), unit: 'ms', reference: poll },
      { figure: `timers: escalation lateness p99, ${open}`, value: percentile(escalations, 99), unit: 'ms', reference: poll },
      {
        figure: `memory: dispatch-worker peak RSS, ${open}`,
        value: Math.round(workerRss / MiB),
        unit: 'MiB',
        reference: { name: 'bare Fastify process', value: Math.round((await bareProcessRss()) / MiB), unit: 'MiB' },
      },
    ];
  } finally {
    clearInterval(ticking);
    await stopProcess(worker);
    await infra.cleanup();
  }
}
