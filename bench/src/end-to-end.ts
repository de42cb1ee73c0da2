import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Actor, CommandOutcome, GridEvent } from '@gridgov/contracts';
import { runBatchConsumer } from '@gridgov/kafka';
import { progressLine } from '@gridgov/runtime';
import { driveTraffic, planTraffic } from '@gridgov/simulator';
import { pino } from 'pino';
import {
  benchInfra,
  collectGarbage,
  cpuSeconds,
  freePort,
  MiB,
  peakRss,
  percentile,
  redisInfoNumbers,
  repoRoot,
  report,
  startProcess,
  stopProcess,
  type BenchInfra,
  type Figure,
  type SummaryRow,
} from './support.ts';
import { simulationContext, tokenMinter } from './traffic-world.ts';

const PARTITIONS = 12;

/** Reports only (the simulator's mix of grids, categories, urgencies and late phones), Poisson arrivals, seeded by the rate. */
const trafficOf = (rate: number, seconds: number) => ({
  seed: rate,
  ctx: simulationContext(),
  rate,
  durationMs: seconds * 1000,
  timeScale: 600,
  lifecycle: false,
});

interface RateResult {
  readonly figures: Figure[];
  readonly rows: SummaryRow[];
}

/**
 * End to end at one offered rate: the simulator's reports (the category, urgency and late-phone mix
 * of its profile, Poisson arrivals, open loop) → accepted by the API → decided → counted by the
 * projection. The bench learns each case's report record (partition, offset) from grid.events and
 * watches the projection's checkpoints (generation 1's keys); a case is visible in /v1/figures once
 * the checkpoint of its partition has passed that record. Latency runs from when the report was due.
 */
async function offeredRate(
  infra: BenchInfra,
  intake: string,
  rate: number,
  seconds: number,
  tokenFor: (actor: Actor) => string,
  pids: ReadonlyMap<string, number | undefined>,
): Promise<RateResult> {
  // The reports planned before the rate starts: planning a case simulates it through the decider (some 60 µs of the
  // bench's CPU a case here), which made while the rate runs took the two cores from the pipeline it measures.
  const plannedStarted = performance.now();
  const cases = [...planTraffic({ ...trafficOf(rate, seconds), runId: `${infra.id}-${rate}` })];
  const planningMs = performance.now() - plannedStarted;
  const dueAt = new Map<string, number>();
  // Each report's way through, on the bench's clock (performance.now()): its 202, the worker's decision of the report
  // (its outcome's decidedAt on grid.outcomes) and the report's record on grid.events (its timestamp, when the worker's
  // relay produced it); wall-clock times are moved onto the same clock (one machine, one clock).
  const answeredAt = new Map<string, number>();
  const decidedAt = new Map<string, number>();
  const appendedAt = new Map<string, number>();
  const fromWall = (ms: number) => ms - performance.timeOrigin;
  const visibleAt = new Map<string, number>();
  // Per events partition: when the watcher saw each new checkpoint (offsets rising), and the reports read but not yet
  // passed by one, in offset order. A report is counted when the first checkpoint at or past its record was seen,
  // however late the reader learns of the record: so the reader can fetch lazily (a few fetches a second, not one a
  // record) and take less CPU from the pipeline it measures.
  const passed = Array.from({ length: PARTITIONS }, () => ({ offsets: [] as bigint[], at: [] as number[] }));
  const pending = Array.from({ length: PARTITIONS }, () => [] as { id: string; offset: bigint }[]);
  const learned = (partition: number, id: string, offset: bigint) => {
    const { offsets, at } = passed[partition]!;
    if (offsets.length === 0 || offsets.at(-1)! < offset) {
      pending[partition]!.push({ id, offset });
      return;
    }
    let lo = 0;
    let hi = offsets.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (offsets[mid]! >= offset) hi = mid;
      else lo = mid + 1;
    }
    visibleAt.set(id, at[lo]!);
  };

  const consumer = await runBatchConsumer({
    kafka: infra.kafka,
    groupId: `${infra.id}-e2e-${rate}`,
    topics: [infra.topics.events, infra.topics.outcomes],
    logger: pino({ level: 'silent' }),
    fromBeginning: false,
    // In no hurry (above): a fetch waits for 256 KiB of records or half a second.
    maxWaitMs: 500,
    minBytes: 256 * 1024,
    // The reader's offsets matter to nobody: committed a few times a second, not after each batch (load on the broker
    // the pipeline does not cause).
    commitEveryMs: 1_000,
    onBatch: (batch) => {
      for (const record of batch.records) {
        if (batch.topic === infra.topics.outcomes) {
          const outcome = JSON.parse(record.value!.toString()) as CommandOutcome;
          // The first outcome of a case is its report's.
          if (!decidedAt.has(outcome.incidentId)) decidedAt.set(outcome.incidentId, fromWall(Date.parse(outcome.decidedAt)));
          continue;
        }
        const event = JSON.parse(record.value!.toString()) as GridEvent;
        // 上报数 counts a case from its report on: its IncidentReported record. (Not its dispatch: a report proposed as a
        // duplicate waits for a dispatcher, ADR 0032, and the simulator's traffic has a few.)
        if (event.type === 'IncidentReported') {
          const id = event.metadata.incidentId;
          appendedAt.set(id, fromWall(Number(record.timestamp)));
          learned(batch.partition, id, BigInt(record.offset));
        }
      }
      return Promise.resolve();
    },
  });
  await new Promise((r) => setTimeout(r, 3_000)); // the reader's group is joined before the first report

  let driving = true;
  let drivenAt = 0;
  const watcher = (async () => {
    while (driving || visibleAt.size < dueAt.size) {
      const keys = Array.from({ length: PARTITIONS }, (_, p) => `${infra.id}:g1:{pj${p}}:checkpoint`);
      const checkpoints = await infra.redis.mget(...keys);
      const now = performance.now();
      checkpoints.forEach((cp, p) => {
        if (!cp) return;
        const applied = BigInt(cp);
        const { offsets, at } = passed[p]!;
        if (offsets.length > 0 && offsets.at(-1)! >= applied) return;
        offsets.push(applied);
        at.push(now);
        const queue = pending[p]!;
        while (queue.length > 0 && queue[0]!.offset <= applied) visibleAt.set(queue.shift()!.id, now);
      });
      // A backlog drains at the pipeline's pace: wait a minute, and a millisecond more for each report.
      if (!driving && performance.now() - drivenAt > 60_000 + dueAt.size) break;
      await new Promise((r) => setTimeout(r, 5));
    }
  })();

  // Each process's CPU over the seconds the traffic is offered (not the catching up after): what a report costs where,
  // and whether the cores were short.
  const cpuAt = () => new Map([...pids].map(([name, pid]) => [name, cpuSeconds(pid)]));
  // The bench's own heap collected before the rate starts, and its event loop watched while it is offered: a pause of
  // the bench holds its sends and its watcher, and counts as the pipeline's latency.
  collectGarbage();
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const cpuBefore = cpuAt();
  let cpuAfter: Map<string, number> | undefined;
  const offeredEnd = setTimeout(() => (cpuAfter = cpuAt()), seconds * 1000);
  // Redis's append-only file from the first report to the last counted: what a report adds to it, and whether Redis
  // rewrote it meanwhile (a forked child walking the whole dataset, a core's worth for a second or more: on a small
  // machine every hop feels it).
  const aofBefore = await aofState(infra);
  const driven = await driveTraffic({
    intakeUrl: intake,
    cases,
    untilMs: seconds * 1000,
    tokenFor,
    onReport: (_planned, incidentId, at) => {
      dueAt.set(incidentId, at);
      answeredAt.set(incidentId, performance.now());
    },
    progress: progressLine({ label: `end to end @${rate}/s`, unit: 'reports', total: rate * seconds }),
  });
  driving = false;
  drivenAt = performance.now();
  loop.disable();
  clearTimeout(offeredEnd);
  const offered = cpuAfter ?? cpuAt();
  const usedBy = new Map([...pids.keys()].map((name) => [name, offered.get(name)! - cpuBefore.get(name)!]));
  const cpu = [...usedBy].map(([name, used]): Figure => ({
    name: `@${rate}/s CPU, ${name}`,
    value: Math.round((100 * used) / seconds),
    unit: '% of a core',
    note: `${((1000 * used) / (rate * seconds)).toFixed(2)} ms a report offered`,
  }));
  // The processes' CPU together against what the machine's cores give at this rate: near 1×, every hop waits for a core.
  const usedAll = [...usedBy.values()].reduce((sum, each) => sum + each, 0);
  const cores = availableParallelism();
  const together: SummaryRow = {
    figure: `end to end @${rate}/s: CPU a report, the ${pids.size} processes measured together (services, broker, Redis, bench)`,
    value: Number(((1000 * usedAll) / (rate * seconds)).toFixed(2)),
    unit: 'ms',
    reference: { name: `the machine's ${cores} cores at this rate`, value: Number(((1000 * cores) / rate).toFixed(2)), unit: 'ms' },
  };
  await watcher;
  const aof = aofGrowth(aofBefore, await aofState(infra), driven.reports.accepted);
  await consumer.stop();

  // A report not seen counted within the wait counts as infinitely late: the percentiles it reaches say so (—).
  const visible = [...dueAt].map(([id, at]) => (visibleAt.get(id) ?? Number.POSITIVE_INFINITY) - at).sort((a, b) => a - b);
  const seen = visibleAt.size;
  const answered = driven.reports.latencyMs;
  const { sent, accepted, failed } = driven.reports;
  const notAccepted = Object.entries(failed).map(([k, v]) => `${k} ×${v}`);
  if (accepted < sent) console.error(`end to end @${rate}/s: ${sent - accepted} reports not accepted: ${notAccepted.join(', ')}`);
  const hops = hopShares(rate, dueAt, [
    ["the API's 202", answeredAt],
    ['202 → decided', decidedAt],
    ['decided → on grid.events', appendedAt],
    ['on grid.events → counted', visibleAt],
  ]);
  const ack = (p: number) => ({ name: `the API's 202, p${p}`, value: Math.round(percentile(answered, p)), unit: 'ms' });
  return {
    figures: [
      { name: `@${rate}/s visible p50`, value: percentile(visible, 50), unit: 'ms' },
      { name: `@${rate}/s visible p99`, value: percentile(visible, 99), unit: 'ms' },
      { name: `@${rate}/s visible max`, value: visible.at(-1) ?? Number.NaN, unit: 'ms' },
      {
        name: `@${rate}/s 202 p50 / p99`,
        value: percentile(answered, 50),
        unit: 'ms',
        note: `p99 ${percentile(answered, 99).toFixed(1)} ms`,
      },
      ...hops.figures,
      ...cpu,
      {
        name: `@${rate}/s Redis append-only file`,
        value: aof.kbPerReport,
        unit: 'KB a report',
        note: `${aof.rewrites} rewrites from the first report to the last counted${aof.rewrites > 0 ? ' (the growth is not measured across one)' : ''}`,
      },
      {
        name: `@${rate}/s reports`,
        value: sent,
        unit: '',
        note: `${accepted} accepted, ${seen} seen counted; ${(sent / seconds).toFixed(0)}/s planned (${cases.length} cases in ${Math.round(planningMs)} ms, before the rate); the load generator (same CPUs) fell behind by ≤ ${Math.round(driven.maxSendLagMs)} ms; the bench's event loop was held ≤ ${Math.round(loop.max / 1e6)} ms at a time`,
      },
    ],
    rows: [
      ...hops.rows,
      together,
      { figure: `end to end @${rate}/s: Redis append-only file rewrites, first report to last counted`, value: aof.rewrites, unit: '' },
      {
        figure: `end to end @${rate}/s: reports/s carried (accepted ÷ time to the last answer)`,
        value: Math.round(accepted / driven.seconds),
        unit: '/s',
        reference: { name: 'offered', value: Math.round(sent / seconds), unit: '/s' },
      },
      {
        figure: `end to end @${rate}/s: report due → counted, p50`,
        value: Math.round(percentile(visible, 50)),
        unit: 'ms',
        reference: ack(50),
      },
      {
        figure: `end to end @${rate}/s: report due → counted, p99`,
        value: Math.round(percentile(visible, 99)),
        unit: 'ms',
        reference: ack(99),
      },
      {
        figure: `end to end @${rate}/s: report due → counted, max`,
        value: Math.round(visible.at(-1) ?? Number.NaN),
        unit: 'ms',
        reference: { name: "the API's 202, max", value: Math.round(answered.at(-1) ?? Number.NaN), unit: 'ms' },
      },
    ],
  };
}

/**
 * Where a report's time goes, hop by hop, over the reports seen through every hop: each hop's p50 and p99, and its
 * share of the total (the hop's time summed over those reports, over their whole time summed). Each map holds the time
 * a report left that hop; the first hop starts when the report was due.
 */
function hopShares(
  rate: number,
  dueAt: ReadonlyMap<string, number>,
  hops: readonly (readonly [string, ReadonlyMap<string, number>])[],
): { figures: Figure[]; rows: SummaryRow[] } {
  const through = [...dueAt.keys()].filter((id) => hops.every(([, at]) => at.has(id)));
  let total = 0;
  const spans = hops.map(([name, at], i) => {
    const before = i === 0 ? dueAt : hops[i - 1]![1];
    // A clock read on another process may put a hop's end a hair before its start: never less than nothing.
    const times = through.map((id) => Math.max(0, at.get(id)! - before.get(id)!)).sort((a, b) => a - b);
    const sum = times.reduce((a, b) => a + b, 0);
    total += sum;
    return { name, times, sum };
  });
  const share = (sum: number) => (total > 0 ? Math.round((1000 * sum) / total) / 10 : Number.NaN);
  return {
    figures: spans.map(({ name, times, sum }) => ({
      name: `@${rate}/s ${name}`,
      value: share(sum),
      unit: '%',
      note: `p50 ${percentile(times, 50).toFixed(1)} ms, p99 ${percentile(times, 99).toFixed(1)} ms (${through.length} reports)`,
    })),
    // A share, not a time beside a reference: no ratio in the summary.
    rows: spans.map(({ name, times, sum }) => ({
      figure: `end to end @${rate}/s: hop ${name}, share of due → counted (its p99 ${Math.round(percentile(times, 99))} ms)`,
      value: share(sum),
      unit: '%',
    })),
  };
}

interface AofState {
  /** The file's size now (INFO persistence: aof_current_size; a rewrite starts it again from the dataset's size). */
  readonly bytes: number;
  /** Rewrites finished since Redis started (aof_rewrites). */
  readonly rewrites: number;
  /** 1 while a rewrite is under way, else 0 (aof_rewrite_in_progress). */
  readonly rewriting: number;
}

async function aofState(infra: BenchInfra): Promise<AofState> {
  const [bytes, rewrites, rewriting] = await redisInfoNumbers(infra.redis, 'persistence', [
    'aof_current_size',
    'aof_rewrites',
    'aof_rewrite_in_progress',
  ]);
  return { bytes: bytes!, rewrites: rewrites!, rewriting: rewriting! };
}

/**
 * How the append-only file grew between two states, in KB a report (NaN across a rewrite, which shrinks it), and the
 * rewrites met: those finished in between, and one under way at the end.
 */
function aofGrowth(before: AofState, after: AofState, reports: number): { kbPerReport: number; rewrites: number } {
  const rewrites = after.rewrites - before.rewrites + after.rewriting;
  const grown = rewrites === 0 && before.rewriting === 0 ? after.bytes - before.bytes : Number.NaN;
  return { kbPerReport: Math.round((10 * grown) / 1024 / reports) / 10, rewrites };
}

/** The warm-up's rate: one the pipeline carries on a small machine (a backlog would be measured as the next rate's latency). */
const WARM_UP_RATE = 100;

/**
 * The pid of a server this machine runs, by its own record, or undefined (a server elsewhere: its CPU is not the bench's
 * to read). The broker's from its home's pid file (infra/kafka/kafka.sh), Redis's from INFO; each checked by its command line.
 */
function localPid(pid: number | undefined, command: string): number | undefined {
  if (pid === undefined || !Number.isInteger(pid)) return undefined;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(command) ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function serverPids(infra: BenchInfra): Promise<{ broker: number | undefined; redis: number | undefined }> {
  const port = infra.brokers[0]?.split(':')[1];
  let brokerPid: number | undefined;
  try {
    brokerPid = Number(readFileSync(join(repoRoot, '.local', `kafka-${port}`, 'kafka.pid'), 'utf8').trim());
  } catch {
    brokerPid = undefined;
  }
  const redisPid = Number(/process_id:(\d+)/.exec(await infra.redis.info('server'))?.[1]);
  return { broker: localPid(brokerPid, 'kafka.Kafka'), redis: localPid(redisPid, 'redis-server') };
}

/** Waits until the projection's checkpoints (generation 1) have not moved for two seconds: the warm-up's reports folded. */
async function drained(infra: BenchInfra): Promise<void> {
  const keys = Array.from({ length: PARTITIONS }, (_, p) => `${infra.id}:g1:{pj${p}}:checkpoint`);
  let last = '';
  let stillSince = performance.now();
  const began = performance.now();
  while (performance.now() - began < 60_000) {
    const now = JSON.stringify(await infra.redis.mget(...keys));
    if (now !== last) {
      last = now;
      stillSince = performance.now();
    } else if (performance.now() - stillSince >= 2_000) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  console.error("end to end: the warm-up's reports were not all folded within a minute; measuring anyway");
}

/**
 * `warmUpSeconds` of reports at 100/s go through the whole pipeline first, unmeasured: the broker's JIT compiler alone
 * took 20–40 % of a core for the first minute of traffic after a start (docs/performance.md), and what is measured is a
 * district's running pipeline, not one just started.
 */
export async function endToEndBench(rates: readonly number[], seconds: number, warmUpSeconds: number): Promise<SummaryRow[]> {
  const infra = await benchInfra(PARTITIONS);
  const processes: ChildProcess[] = [];
  try {
    const intakePort = await freePort();
    const projectionPort = await freePort();
    const env = { ...infra.env, LOG_LEVEL: 'warn' };
    // The worker is ready once it has taken every commands partition (their epochs exist).
    const owned = async () =>
      (await infra.redis.exists(...Array.from({ length: PARTITIONS }, (_, p) => `${infra.id}:{w${p}}:epoch`))) === PARTITIONS;
    processes.push(await startProcess('dispatch-worker', { ...infra.workerEnv, LOG_LEVEL: 'warn' }, owned));
    processes.push(await startProcess('projection', { ...env, PORT: String(projectionPort) }, `http://127.0.0.1:${projectionPort}/readyz`));
    processes.push(await startProcess('intake-api', { ...env, PORT: String(intakePort) }, `http://127.0.0.1:${intakePort}/readyz`));
    // Warm-up: the first reports compile (every process, the broker's JVM longest), connect and mint tokens; they are
    // not what is measured.
    const tokenFor = tokenMinter(infra.secrets.jwt);
    await driveTraffic({
      intakeUrl: `http://127.0.0.1:${intakePort}`,
      cases: planTraffic({ ...trafficOf(WARM_UP_RATE, warmUpSeconds), runId: `${infra.id}-warm-up` }),
      untilMs: warmUpSeconds * 1000,
      tokenFor,
      progress: progressLine({ label: `end to end, warm-up @${WARM_UP_RATE}/s`, unit: 'reports', total: WARM_UP_RATE * warmUpSeconds }),
    });
    await drained(infra);
    const [worker, projection, intake] = processes;
    const servers = await serverPids(infra);
    const pids = new Map<string, number | undefined>([
      ['Kafka broker', servers.broker],
      ['dispatch-worker', worker?.pid],
      ['projection', projection?.pid],
      ['intake-api', intake?.pid],
      ['Redis', servers.redis],
      ['the bench (load, its reader)', process.pid],
    ]);
    for (const [name, pid] of pids) if (pid === undefined) pids.delete(name);
    const figures: Figure[] = [];
    const rows: SummaryRow[] = [];
    for (const rate of rates) {
      const result = await offeredRate(infra, `http://127.0.0.1:${intakePort}`, rate, seconds, tokenFor, pids);
      figures.push(...result.figures);
      rows.push(...result.rows);
    }
    figures.push(
      { name: 'intake-api peak RSS', value: Math.round(peakRss(intake?.pid) / MiB), unit: 'MiB' },
      { name: 'dispatch-worker peak RSS', value: Math.round(peakRss(worker?.pid) / MiB), unit: 'MiB' },
      { name: 'projection peak RSS', value: Math.round(peakRss(projection?.pid) / MiB), unit: 'MiB' },
    );
    report('end-to-end', figures, {
      rates,
      seconds,
      warmUp: `${warmUpSeconds} s at ${WARM_UP_RATE}/s`,
      arrivals: 'poisson',
      traffic: 'simulator, reports only',
    });
    return rows;
  } finally {
    for (const p of processes) await stopProcess(p);
    await infra.cleanup();
  }
}
