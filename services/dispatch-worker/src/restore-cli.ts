/**
 * Restores the dispatch worker's state in Redis (incident states, timers, command ids decided, checkpoints) from
 * grid.events and grid.outcomes, for every partition of grid.commands (ADR 0009). As a command: `pnpm restore` (both
 * services) or `pnpm --filter @gridgov/dispatch-worker restore`; in a test or a benchmark: call `restoreWorkerState`.
 */
import { parseArgs } from 'node:util';
import { EventVerifier, RequiredEventVerifyKeys } from '@gridgov/auth';
import { ConfigError, kafkaLogin, parseConfig } from '@gridgov/config';
import { topicsWithPrefix, type Topics } from '@gridgov/contracts';
import type { DecisionContext } from '@gridgov/domain';
import { CaseKeys, LocalKms, Pseudonyms, type Kms } from '@gridgov/crypto';
import { createKafka, DurableProducer, highWatermarks, partitionCount, type KafkaClient } from '@gridgov/kafka';
import { createRedis, redisReady, type Redis } from '@gridgov/redis';
import { createLogger, limitHeapGrowth, type Logger, Progress, runCliWhenMain } from '@gridgov/runtime';
import { WorkerConfig } from './config.ts';
import { loadBaseline, readConfiguration } from '@gridgov/config-data';
import { PartitionStore } from './partition-store.ts';
import { restorePartitions, type RestoreReport } from './restore.ts';

export interface WorkerRestoreOptions {
  readonly kafka: KafkaClient;
  /** Checks each event before it is folded (ADR 0019). */
  readonly eventVerifier: EventVerifier;
  readonly redis: Redis;
  readonly keyPrefix: string;
  readonly topics: Topics;
  readonly logger: Logger;
  readonly context: Pick<DecisionContext, 'policy' | 'time'>;
  /** Prefix of the reader's throwaway consumer group. */
  readonly groupPrefix: string;
  /** Told the number of records to read once known, then after each batch folded. */
  readonly onPlan?: (records: number) => void;
  readonly onProgress?: (records: number) => void;
  /** The KMS and pseudonyms (ADR 0016): events are opened with their cases' keys, put back from grid.keys. */
  readonly encryption?: { readonly kms: Kms; readonly pseudonyms: Pseudonyms };
}

export interface WorkerRestoreReport {
  readonly partitions: readonly RestoreReport[];
  readonly events: number;
  readonly outcomes: number;
  readonly incidents: number;
  readonly outcomesRecovered: number;
  readonly seconds: number;
}

/**
 * Takes a fresh epoch on every partition of grid.commands (a running worker's next write there is fenced), then
 * restores them all from the log: all of it where the restored mark is gone, from where the state stopped elsewhere.
 */
export async function restoreWorkerState(options: WorkerRestoreOptions): Promise<WorkerRestoreReport> {
  const started = performance.now();
  const { kafka, redis, keyPrefix, topics, logger } = options;
  const partitions = await partitionCount(kafka, topics.commands);
  const targets = [];
  for (let p = 0; p < partitions; p++) {
    const store = new PartitionStore(redis, keyPrefix, p);
    targets.push({ store, epoch: await store.takeOwnership() });
  }
  if (options.onPlan) {
    // What restorePartitions will read: from each partition's log positions (0 where the state was lost) to the ends.
    const ends = await Promise.all([topics.events, topics.outcomes].map((t) => highWatermarks(kafka, t)));
    let records = 0;
    for (const { store } of targets) {
      const from = (await store.isRestored()) ? await store.logPositions() : { events: 0n, outcomes: 0n };
      const high = (i: number) => ends[i]!.get(store.partition) ?? 0n;
      records += Math.max(0, Number(high(0) - from.events)) + Math.max(0, Number(high(1) - from.outcomes));
    }
    options.onPlan(records);
  }
  const producer = options.encryption ? new DurableProducer(kafka) : undefined;
  await producer?.connect();
  const keys =
    options.encryption && producer
      ? {
          keys: new CaseKeys({ redis, keyPrefix, kms: options.encryption.kms, topic: topics.keys, producer, kafka, logger }),
          pseudonyms: options.encryption.pseudonyms,
        }
      : {};
  const reports = await restorePartitions(
    {
      kafka,
      topics,
      logger,
      ...keys,
      context: options.context,
      groupPrefix: options.groupPrefix,
      now: () => new Date(),
      eventVerifier: options.eventVerifier,
      ...(options.onProgress ? { onProgress: (_p: number, _log: unknown, records: number) => options.onProgress!(records) } : {}),
    },
    targets,
  ).finally(() => producer?.disconnect());
  const sum = (f: (r: RestoreReport) => number) => reports.reduce((n, r) => n + f(r), 0);
  const report = {
    partitions: reports,
    events: sum((r) => r.events),
    outcomes: sum((r) => r.outcomes),
    incidents: sum((r) => r.incidents),
    outcomesRecovered: sum((r) => r.outcomesRecovered),
    seconds: (performance.now() - started) / 1000,
  };
  logger.info(
    { events: report.events, outcomes: report.outcomes, incidents: report.incidents, seconds: report.seconds },
    'dispatch worker state restored from the log',
  );
  return report;
}

const n = (x: number) => x.toLocaleString('en-US');

export function workerSummary(report: WorkerRestoreReport): string {
  const rate = report.seconds > 0 ? report.events / report.seconds : 0;
  return [
    `dispatch worker restored: ${n(report.events)} events and ${n(report.outcomes)} outcomes read in ${report.seconds.toFixed(1)} s (${n(Math.round(rate))} events/s); ${n(report.incidents)} incidents, ${n(report.outcomesRecovered)} outcomes recovered`,
    '  partition  was lost     events   outcomes  incidents  outcomes recovered  checkpoint',
    ...report.partitions.map(
      (p) =>
        `  ${String(p.partition).padStart(9)}  ${(p.lost ? 'yes' : 'no').padEnd(8)} ${n(p.events).padStart(10)} ${n(p.outcomes).padStart(10)} ${n(p.incidents).padStart(10)}  ${n(p.outcomesRecovered).padStart(18)}  ${p.checkpoint || '—'}`,
    ),
    `      total           ${n(report.events).padStart(10)} ${n(report.outcomes).padStart(10)} ${n(report.incidents).padStart(10)}  ${n(report.outcomesRecovered).padStart(18)}`,
    ...(report.outcomesRecovered > 0
      ? [`  the ${n(report.outcomesRecovered)} recovered outcomes wait in the outbox: a worker sends them when it takes the partition`]
      : []),
  ].join('\n');
}

const USAGE = `Usage: pnpm --filter @gridgov/dispatch-worker restore
       (pnpm restore runs it, then the projection's restore)

Restores the dispatch worker's state in Redis from the log, for after Redis lost its data: on every partition
of grid.commands, the incidents' states, their timers, the command ids decided and the commands checkpoint,
folded from grid.events and grid.outcomes (all of it where the state was lost, from where it stopped
elsewhere). Timers that fell due meanwhile fire once, when a worker next owns the partition.

It takes a fresh epoch on every partition first. Workers normally restore on their own; run this one with them
stopped. A worker that is running is fenced: its next write to a partition is refused, and it picks the
partition up again (restoring from the log, and sending what is left in the outbox) after the next rebalance
or restart. Prints per-partition and total counts on stdout, a progress line on stderr. Reads the worker's
environment (KAFKA_BROKERS, REDIS_URL, TOPIC_PREFIX, KEY_PREFIX, WORKER_GROUP_ID, HOLIDAYS_FILE, OFFICE_HOURS,
DEADLINE_*, ESCALATION_EVERY, WARNING_FRACTIONS, WORKER_RESTORE_HEAP_GROWING_PERCENT, LOG_LEVEL) and the configuration
changes on grid.config (ADR 0024); COMMAND_SIGNING_KEY is not needed.

  -h, --help   this text
`;

/** The worker's variables less the signing keys: a restore verifies no command. */
/** The restore needs no secret: it believes events by the worker's public keys (ADR 0019). */
const RestoreConfig = WorkerConfig.omit({
  COMMAND_SIGNING_KEY: true,
  COMMAND_SIGNING_PREVIOUS_KEYS: true,
  EVENT_SIGNING_KEY: true,
  EVENT_VERIFY_KEYS: true,
}).extend({ EVENT_VERIFY_KEYS: RequiredEventVerifyKeys.describe('Public keys the events may be signed with, comma-separated.') });

class UsageError extends Error {}

async function cli(argv: readonly string[]): Promise<number> {
  let help: boolean;
  try {
    ({
      values: { help },
    } = parseArgs({
      args: [...argv],
      options: { help: { type: 'boolean', short: 'h', default: false } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError(`${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
  }
  if (help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const config = parseConfig(RestoreConfig);
  limitHeapGrowth(config.WORKER_RESTORE_HEAP_GROWING_PERCENT);
  const progress = new Progress(process.stderr, { label: 'worker state' });
  const started = performance.now();
  let done = 0;
  const logger = createLogger('dispatch-worker-restore', config.LOG_LEVEL, { write: (line: string) => progress.log(line) });
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'dispatch-worker-restore', sasl: kafkaLogin(config), logger });
  const topics = topicsWithPrefix(config.TOPIC_PREFIX);
  // The policy and calendar in force, as the running workers have them: the files, then grid.config (ADR 0024).
  const { policy, time } = (await readConfiguration({ kafka, topic: topics.config, baseline: await loadBaseline(config), logger })).context;
  const redis = createRedis(config.REDIS_URL, 'dispatch-worker-restore');
  try {
    await redisReady(redis);
    const report = await restoreWorkerState({
      kafka,
      redis,
      keyPrefix: config.KEY_PREFIX,
      topics,
      logger,
      eventVerifier: new EventVerifier(config.EVENT_VERIFY_KEYS, config.EVENT_SIGNATURES_FROM),
      context: { policy, time },
      groupPrefix: `${config.TOPIC_PREFIX}${config.WORKER_GROUP_ID}-restore`,
      onPlan: (total) => progress.start(() => ({ done, total, seconds: (performance.now() - started) / 1000 })),
      onProgress: (records) => (done += records),
      encryption: { kms: LocalKms.fromFile(config.KEK_FILE), pseudonyms: new Pseudonyms(config.PSEUDONYM_SECRET) },
    }).finally(() => progress.stop());
    process.stdout.write(`${workerSummary(report)}\n`);
    return 0;
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}

runCliWhenMain(import.meta.url, cli, { what: 'restore', usage: [ConfigError, UsageError] });
