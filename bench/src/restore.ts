import { spawn } from 'node:child_process';
import { isAbsolute } from 'node:path';
import type { CommandOutcome, GridEvent } from '@gridgov/contracts';
import { DurableProducer, readRange, topicWatermarks } from '@gridgov/kafka';
import { progressLine } from '@gridgov/runtime';
import { simulateHistory } from '@gridgov/simulator';
import {
  benchInfra,
  MiB,
  nodeArgs,
  peakRss,
  repoRoot,
  report,
  signedEvents,
  type BenchInfra,
  type Figure,
  type SuiteRows,
} from './support.ts';
import { simulationContext } from './traffic-world.ts';

/**
 * Writes the seeded history of the projection replay bench (`fillFromSimulator`: same seed, area tree and 300 days,
 * every case driven through the real decider) to grid.events, and beside it to grid.outcomes, as the worker would
 * have: each command's accepted outcome, naming the events it produced, after them, keyed by incident.
 */
async function fillEventsAndOutcomes(infra: BenchInfra, incidents: number, seed = 20260101): Promise<{ events: number; outcomes: number }> {
  const from = Date.parse('2026-01-01T00:00:00+08:00');
  const history = simulateHistory({ seed, incidents, ctx: simulationContext(), from, to: from + 300 * 86_400_000 });
  const producer = new DurableProducer(infra.kafka);
  await producer.connect();
  const progress = progressLine({ label: 'restore: history', total: incidents, unit: 'cases' });
  let events = 0;
  let outcomes = 0;
  let cases = 0;
  let eventRecords: { key: string; value: string }[] = [];
  let outcomeRecords: { key: string; value: string }[] = [];
  const flush = async () => {
    await producer.send(infra.topics.events, signedEvents(infra, eventRecords));
    await producer.send(infra.topics.outcomes, outcomeRecords);
    events += eventRecords.length;
    outcomes += outcomeRecords.length;
    eventRecords = [];
    outcomeRecords = [];
  };
  for (const incident of history) {
    const byCommand = new Map<string, GridEvent[]>();
    for (const e of incident.events) {
      eventRecords.push({ key: incident.incidentId, value: JSON.stringify(e) });
      if (e.metadata.commandId) byCommand.set(e.metadata.commandId, [...(byCommand.get(e.metadata.commandId) ?? []), e]);
    }
    for (const [commandId, produced] of byCommand) {
      const first = produced[0]!;
      const outcome: CommandOutcome = {
        status: 'accepted',
        commandId,
        incidentId: incident.incidentId,
        decidedAt: first.metadata.occurredAt,
        actorId: first.metadata.actor.id,
        events: produced.map((e) => ({ type: e.type, version: e.metadata.version })),
      };
      outcomeRecords.push({ key: incident.incidentId, value: JSON.stringify(outcome) });
    }
    cases++;
    if (eventRecords.length >= 5_000) await flush();
    progress.update(cases, `${(events + eventRecords.length).toLocaleString('en-US')} events`);
  }
  if (eventRecords.length > 0) await flush();
  await producer.disconnect();
  progress.finish(`${events.toLocaleString('en-US')} events, ${outcomes.toLocaleString('en-US')} outcomes`);
  return { events, outcomes };
}

/** A bare kafkajs consumer reading grid.events to its end and JSON-parsing each record: the client's ceiling. */
async function bareParsingConsumer(infra: BenchInfra, events: number): Promise<number> {
  // packages/kafka's plain reader: a kafkajs consumer of its own group, nothing but the reading and the JSON.
  const marks = await topicWatermarks(infra.kafka, infra.topics.events);
  let seen = 0;
  let started = 0;
  await readRange(infra.kafka, {
    topic: infra.topics.events,
    from: new Map(marks.map((m) => [m.partition, 0n])),
    timeoutMs: 600_000,
    onBatch: (_partition, records) => {
      if (started === 0) started = performance.now();
      for (const r of records) JSON.parse(r.value!.toString());
      seen += records.length;
    },
  });
  if (seen < events) throw new Error(`the bare consumer read ${seen} of ${events} events`);
  const seconds = (performance.now() - started) / 1000;
  return events / seconds;
}

/**
 * Runs a restore command as an operator would (its own process, the bench's environment) and returns the rate its
 * summary line states (measured inside the command: group join included, process start not) and the wall time.
 */
async function runRestore(
  script: string,
  args: readonly string[],
  env: Record<string, string>,
  rateLine: RegExp,
): Promise<{ rate: number; wallSeconds: number; stdout: string; peakRssBytes: number }> {
  // BENCH_CPU_PROF_DIR: an absolute directory where each restore command writes a V8 CPU profile (node --cpu-prof).
  const profDir = process.env['BENCH_CPU_PROF_DIR'];
  if (profDir !== undefined && !isAbsolute(profDir)) throw new Error(`BENCH_CPU_PROF_DIR: an absolute directory, got "${profDir}"`);
  const started = performance.now();
  const child = spawn(process.execPath, [...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []), ...nodeArgs(script), ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  // Its high-water mark (VmHWM, which only rises), read while it runs: a process that has exited has none, so the last
  // read is kept, and misses at most its last 100 ms.
  let peakRssBytes = Number.NaN;
  const sampler = setInterval(() => {
    try {
      const now = peakRss(child.pid);
      if (Number.isFinite(now)) peakRssBytes = now;
    } catch {
      // gone between two reads
    }
  }, 100);
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  clearInterval(sampler);
  const wallSeconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`${script} exited with ${code}:\n${stdout}`);
  const rate = rateLine.exec(stdout)?.[1];
  if (!rate) throw new Error(`${script}: no rate in its summary:\n${stdout}`);
  return { rate: Number(rate.replace(/,/g, '')), wallSeconds, stdout, peakRssBytes };
}

/**
 * Restore: the dispatch worker's state rebuilt from the log (`restorePartitions` over every partition, Redis empty),
 * through its restore command, beside a bare kafkajs consumer JSON-parsing the same topic in the same run; then the
 * read side's fold of the same logs (`pnpm --filter @gridgov/projection restore --read-side-only`).
 */
export async function restoreBench(incidents: number): Promise<SuiteRows> {
  const infra = await benchInfra(12);
  try {
    const { events, outcomes } = await fillEventsAndOutcomes(infra, incidents);
    const bare = await bareParsingConsumer(infra, events);
    const worker = await runRestore(
      'services/dispatch-worker/src/restore-cli.ts',
      [],
      infra.env,
      /^dispatch worker restored: .* \(([\d,]+) events\/s\)/m,
    );
    const readSide = await runRestore(
      'services/projection/src/restore-cli.ts',
      ['--read-side-only'],
      infra.env,
      /^read side restored: .* \(([\d,]+) records\/s\)$/m,
    );
    // The worker reads both logs: its events/s counts grid.events alone over the whole restore.
    const workerSeconds = Number(/ read in ([\d.]+) s /.exec(worker.stdout)?.[1] ?? Number.NaN);
    const size = `${events.toLocaleString('en-US')} events`;
    const figures: Figure[] = [
      {
        name: 'events in grid.events',
        value: events,
        unit: '',
        note: `${incidents.toLocaleString('en-US')} simulated cases, 12 partitions`,
      },
      { name: 'outcomes in grid.outcomes', value: outcomes, unit: '' },
      { name: 'bare kafkajs consumer + JSON.parse', value: Math.round(bare), unit: 'events/s', note: 'grid.events' },
      {
        name: 'worker restore',
        value: Math.round(worker.rate),
        unit: 'events/s',
        note: `states, timers, decided ids, checkpoints; outcomes read too; ${worker.wallSeconds.toFixed(1)} s wall with process start`,
      },
      {
        name: 'worker restore, both logs',
        value: Math.round((events + outcomes) / workerSeconds),
        unit: 'records/s',
        note: 'events + outcomes',
      },
      {
        name: 'read-side restore (fold)',
        value: Math.round(readSide.rate),
        unit: 'records/s',
        note: `events + outcomes; ${readSide.wallSeconds.toFixed(1)} s wall with process start`,
      },
      {
        name: 'worker restore peak RSS',
        value: worker.peakRssBytes / MiB,
        unit: 'MiB',
        note: 'WORKER_RESTORE_HEAP_GROWING_PERCENT applies (docs/config.md)',
      },
      {
        name: 'read-side restore peak RSS',
        value: readSide.peakRssBytes / MiB,
        unit: 'MiB',
        note: 'PROJECTION_HEAP_GROWING_PERCENT applies (docs/config.md)',
      },
    ];
    report('restore', figures, { incidents, events, outcomes });
    const reference = { name: 'bare kafkajs consumer + JSON.parse', value: Math.round(bare), unit: '/s' };
    return [
      { figure: `restore: worker state, events/s, ${size} (goal ≥ 50,000)`, value: Math.round(worker.rate), unit: '/s', reference },
      { figure: `restore: read side fold, records/s, ${size} + outcomes`, value: Math.round(readSide.rate), unit: '/s', reference },
    ];
  } finally {
    await infra.cleanup();
  }
}
