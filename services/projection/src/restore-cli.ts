/**
 * Rebuilds the projection service's part of Redis from the log, for an operator after Redis lost its data (ADR 0009):
 * (a) the read side (case views, histories, work lists, own reports, command outcomes), folded from each partition's
 * checkpoints up to the end of grid.events and grid.outcomes, each partition then marked whole; (b) the counters, into
 * a new generation switched to once caught up (`rebuildProjection`). As a command: `pnpm restore` (both services) or
 * `pnpm --filter @gridgov/projection restore`; in a test: call `restoreReadSide`.
 */
import { parseArgs } from 'node:util';
import { EventVerifier } from '@gridgov/auth';
import { ConfigError, kafkaLogin, parseConfig } from '@gridgov/config';
import { topicsWithPrefix, type Topics } from '@gridgov/contracts';
import { loadBaseline, readConfiguration } from '@gridgov/config-data';
import type { AreaTree, Catalog } from '@gridgov/domain';
import { createKafka, highWatermarks, readRanges, type PartitionRange, type KafkaClient } from '@gridgov/kafka';
import { CheckpointConflict, createRedis, redisReady } from '@gridgov/redis';
import { createLogger, limitHeapGrowth, type Logger, Progress, runCliWhenMain } from '@gridgov/runtime';
import { CaseViewFold } from './projector/case-views/fold.ts';
import { CaseViewStore, type Log } from './projector/case-views/store.ts';
import { RebuildConfig } from './config.ts';
import { rebuildProjection, RebuildRefused, summary as rebuildSummary, type RebuildReport } from './projector/rebuild.ts';
import { nextOffset } from './projector/restore-watch.ts';

export interface ReadSideRestoreOptions {
  readonly kafka: KafkaClient;
  readonly store: CaseViewStore;
  readonly areas: AreaTree;
  /** Which categories are confidential (their text is not indexed); the built-in catalog when absent. */
  readonly catalog?: Catalog;
  readonly topics: Topics;
  readonly logger: Logger;
  /** Checks each event before it is folded (ADR 0019). */
  readonly eventVerifier: EventVerifier;
  /** Prefix of the reader's throwaway consumer group. */
  readonly groupPrefix: string;
  /** Told after each batch folded: how many records. */
  readonly onProgress?: (records: number) => void;
}

/** What one partition's read-side restore read. */
export interface ReadSidePartitionReport {
  readonly partition: number;
  readonly events: number;
  readonly outcomes: number;
  /** Whether the partition had no restored mark (its state had been lost, or never marked) on either log. */
  readonly lost: boolean;
  /** Last offsets folded afterwards ('' for none). */
  readonly checkpoints: Readonly<Record<Log, string>>;
}

export interface ReadSideRestoreReport {
  readonly partitions: readonly ReadSidePartitionReport[];
  readonly events: number;
  readonly outcomes: number;
  readonly seconds: number;
}

/** How many records the restore will read: the sum of the ranges from each checkpoint to the log's end. */
export interface ReadSidePlan {
  readonly ranges: readonly PartitionRange[];
  readonly records: number;
}

/**
 * Folds every partition of grid.events and grid.outcomes from the read side's checkpoints up to the logs' ends (as
 * measured when it begins) and marks each partition whole. A partition whose state Redis lost (no checkpoint) is read
 * from the beginning; one that is whole only from where it stopped. Idempotent: run again after a failure. Refused
 * (CheckpointConflict) when a live projector moves a checkpoint meanwhile: it restores the partition itself.
 */
export async function restoreReadSide(
  options: ReadSideRestoreOptions,
  plan?: (plan: ReadSidePlan) => void,
): Promise<ReadSideRestoreReport> {
  const { kafka, store, topics } = options;
  const started = performance.now();
  const [eventsEnd, outcomesEnd] = await Promise.all([highWatermarks(kafka, topics.events), highWatermarks(kafka, topics.outcomes)]);
  const partitions = [...new Set([...eventsEnd.keys(), ...outcomesEnd.keys()])].sort((a, b) => a - b);
  const logs: { log: Log; topic: string; ends: Map<number, bigint> }[] = [
    { log: 'events', topic: topics.events, ends: eventsEnd },
    { log: 'outcomes', topic: topics.outcomes, ends: outcomesEnd },
  ];
  const checkpoints = new Map<string, string>();
  const lost = new Set<number>();
  const ranges: PartitionRange[] = [];
  for (const p of partitions) {
    for (const { log, topic, ends } of logs) {
      const { checkpoint, restored } = await store.position(p, log);
      if (!restored) lost.add(p);
      checkpoints.set(`${topic}/${p}`, checkpoint);
      ranges.push({ topic, partition: p, from: nextOffset(checkpoint), to: ends.get(p) ?? 0n });
    }
  }
  plan?.({ ranges, records: ranges.reduce((n, r) => n + Math.max(0, Number(r.to - r.from)), 0) });

  const fold = new CaseViewFold(options);
  const counts = new Map<string, number>();
  await readRanges(
    kafka,
    ranges,
    async (batch) => {
      const name = `${batch.topic}/${batch.partition}`;
      const from = checkpoints.get(name) ?? '';
      const to = batch.records[batch.records.length - 1]!.offset;
      if (batch.topic === topics.events) await fold.foldEvents(batch.partition, from, to, batch.records);
      else await fold.foldOutcomes(batch.partition, from, to, batch.records);
      checkpoints.set(name, to);
      counts.set(name, (counts.get(name) ?? 0) + batch.records.length);
      options.onProgress?.(batch.records.length);
    },
    { logger: options.logger, groupPrefix: options.groupPrefix },
  );

  const at = new Date();
  const reports: ReadSidePartitionReport[] = [];
  for (const p of partitions) {
    for (const { log, topic } of logs) {
      const checkpoint = checkpoints.get(`${topic}/${p}`) ?? '';
      if (!(await store.markRestored(p, log, checkpoint, at)))
        throw new CheckpointConflict(
          'GRIDGOV_CHECKPOINT_CONFLICT',
          'setWhileEquals',
          `${topic}/${p}: the checkpoint moved from ${checkpoint || '(none)'} while restoring (a live projector folds it, or Redis lost it again); run again`,
        );
    }
    reports.push({
      partition: p,
      events: counts.get(`${topics.events}/${p}`) ?? 0,
      outcomes: counts.get(`${topics.outcomes}/${p}`) ?? 0,
      lost: lost.has(p),
      checkpoints: { events: checkpoints.get(`${topics.events}/${p}`) ?? '', outcomes: checkpoints.get(`${topics.outcomes}/${p}`) ?? '' },
    });
  }
  const report = {
    partitions: reports,
    events: reports.reduce((n, r) => n + r.events, 0),
    outcomes: reports.reduce((n, r) => n + r.outcomes, 0),
    seconds: (performance.now() - started) / 1000,
  };
  options.logger.info({ events: report.events, outcomes: report.outcomes, seconds: report.seconds }, 'read side restored from the log');
  return report;
}

const n = (x: number) => x.toLocaleString('en-US');

export function readSideSummary(report: ReadSideRestoreReport): string {
  const rate = report.seconds > 0 ? (report.events + report.outcomes) / report.seconds : 0;
  const lines = [
    `read side restored: ${n(report.events)} events and ${n(report.outcomes)} outcomes folded in ${report.seconds.toFixed(1)} s (${n(Math.round(rate))} records/s)`,
    '  partition  was lost     events   outcomes  events checkpoint  outcomes checkpoint',
    ...report.partitions.map(
      (p) =>
        `  ${String(p.partition).padStart(9)}  ${(p.lost ? 'yes' : 'no').padEnd(8)} ${n(p.events).padStart(10)} ${n(p.outcomes).padStart(10)}  ${(p.checkpoints.events || '—').padStart(17)}  ${(p.checkpoints.outcomes || '—').padStart(19)}`,
    ),
  ];
  return lines.join('\n');
}

const USAGE = `Usage: pnpm --filter @gridgov/projection restore [--read-side-only]
       (pnpm restore runs it after the dispatch worker's restore)

Rebuilds the projection service's state in Redis from the log, for after Redis lost its data:
  1. the read side (case views, histories, work lists, own reports, command outcomes): every partition of
     grid.events and grid.outcomes folded from its checkpoint (from the beginning where Redis lost it) up to
     the end of the log, then marked whole, so the APIs stop answering 503 STATE_RESTORING;
  2. the counters (figures, rankings): replayed into a new generation, switched to once caught up
     (as pnpm rebuild-projection; the replaced generation is kept).
Prints a progress bar on stderr and the counts on stdout. A running projection service restores on its own;
run this with it stopped (a live projector folding the same partition makes step 1 stop with a checkpoint
conflict: run it again, or let the service finish). Reads the projection's environment (KAFKA_BROKERS,
REDIS_URL, TOPIC_PREFIX, KEY_PREFIX, AREAS_FILE, PROJECTION_GROUP_ID, CASE_VIEW_GROUP_ID,
OUTCOME_TTL_SECONDS, LOG_LEVEL) and the configuration changes on grid.config (ADR 0024).

  --read-side-only   skip step 2 (the counters)
  -h, --help         this text
`;

class UsageError extends Error {}

async function cli(argv: readonly string[]): Promise<number> {
  let values: { 'read-side-only': boolean; help: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { 'read-side-only': { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError(`${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const config = parseConfig(RebuildConfig);
  // A fold of the whole log, as the service's replay: its heap grows the same way (docs/performance.md).
  limitHeapGrowth(config.PROJECTION_HEAP_GROWING_PERCENT);
  const progress = new Progress(process.stderr, { label: 'read side' });
  // Log lines go to stderr above the progress bar; stdout gets the counts only.
  const logger = createLogger('projection-restore', config.LOG_LEVEL, { write: (line: string) => progress.log(line) });
  const redis = createRedis(config.REDIS_URL, 'projection-restore');
  try {
    await redisReady(redis);
    const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'projection-restore', sasl: kafkaLogin(config), logger });
    const topics = topicsWithPrefix(config.TOPIC_PREFIX);
    // The tree and catalog in force, as the running projections have them: the files, then grid.config (ADR 0024).
    const { areas, catalog } = await readConfiguration({ kafka, topic: topics.config, baseline: await loadBaseline(config), logger });
    const eventVerifier = new EventVerifier(config.EVENT_VERIFY_KEYS, config.EVENT_SIGNATURES_FROM);
    const started = performance.now();
    let done = 0;
    let total = 0;
    const readSide = await restoreReadSide(
      {
        kafka,
        store: new CaseViewStore(redis, config.KEY_PREFIX, config.OUTCOME_TTL_SECONDS),
        areas,
        catalog,
        topics,
        logger,
        eventVerifier,
        groupPrefix: `${config.TOPIC_PREFIX}${config.CASE_VIEW_GROUP_ID}-restore`,
        onProgress: (records) => (done += records),
      },
      (plan) => {
        total = plan.records;
        progress.start(() => ({ done, total, seconds: (performance.now() - started) / 1000 }));
      },
    ).finally(() => progress.stop());
    process.stdout.write(`${readSideSummary(readSide)}\n`);
    if (values['read-side-only']) return 0;

    const counters = new Progress(process.stderr, { label: 'counters', unit: 'events' });
    const controller = new AbortController();
    process.once('SIGINT', () => {
      logger.warn('interrupted: stopping (again to exit at once)');
      controller.abort();
      process.once('SIGINT', () => process.exit(130));
    });
    const report: RebuildReport = await rebuildProjection({
      kafka,
      redis,
      keyPrefix: config.KEY_PREFIX,
      topics,
      areas,
      groupId: `${config.TOPIC_PREFIX}${config.PROJECTION_GROUP_ID}`,
      logger,
      eventVerifier,
      clock: () => new Date(),
      progress: counters,
      signal: controller.signal,
    });
    process.stdout.write(`${rebuildSummary(report)}\n`);
    process.stdout.write(
      `projection restored: ${n(readSide.events)} events and ${n(readSide.outcomes)} outcomes into the read side, ${n(report.events)} events into counters generation ${report.generation}, ${n(report.incidents)} incidents\n`,
    );
    return 0;
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}

runCliWhenMain(import.meta.url, cli, {
  what: 'restore',
  usage: [ConfigError, UsageError],
  told: [RebuildRefused, CheckpointConflict],
});
