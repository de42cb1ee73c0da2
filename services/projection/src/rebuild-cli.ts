/**
 * `pnpm rebuild-projection [--drop-old] [--grace <s>]`, `pnpm rebuild-projection --drop-generation <n>`: the command
 * around the rebuild library (`projector/rebuild.ts`, ADR 0005): arguments, configuration, progress on stderr, the
 * count on stdout, the exit code.
 */
import { parseArgs } from 'node:util';
import { EventVerifier } from '@gridgov/auth';
import { ConfigError, kafkaLogin, parseConfig } from '@gridgov/config';
import { topicsWithPrefix } from '@gridgov/contracts';
import { loadBaseline, readConfiguration } from '@gridgov/config-data';
import { createKafka } from '@gridgov/kafka';
import { createRedis, redisReady } from '@gridgov/redis';
import { createLogger, limitHeapGrowth, Progress, runCliWhenMain } from '@gridgov/runtime';
import { RebuildConfig } from './config.ts';
import { FIRST_GENERATION, ProjectionKeys } from './projector/counter-store.ts';
import { dropGeneration, ProjectionGenerations } from './projector/generation.ts';
import { rebuildProjection, RebuildRefused, summary } from './projector/rebuild.ts';

const USAGE = `Usage: pnpm rebuild-projection [--drop-old] [--grace <seconds>]
       pnpm rebuild-projection --drop-generation <n>

Replays grid.events into a fresh generation of the projection's counters, switches queries to it
once caught up, and prints the count. Reads the projection's environment (KAFKA_BROKERS,
REDIS_URL, TOPIC_PREFIX, KEY_PREFIX, AREAS_FILE, PROJECTION_GROUP_ID, PROJECTION_APPLY_WRITES, LOG_LEVEL) and the configuration
changes on grid.config (ADR 0024).

  --drop-old               delete the replaced generation after the grace period (default: keep it)
  --grace <seconds>        grace period before --drop-old deletes (default 60)
  --drop-generation <n>    only delete generation n (never the current one), then exit
  -h, --help               this text
`;

async function cli(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      'drop-old': { type: 'boolean', default: false },
      grace: { type: 'string', default: '60' },
      'drop-generation': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const grace = Number(values.grace);
  if (!Number.isFinite(grace) || grace < 0) throw new RebuildRefused(`--grace: a number of seconds, got ${values.grace}`);
  const config = parseConfig(RebuildConfig);
  // A fold of the whole log, as the service's replay: its heap grows the same way (docs/performance.md).
  limitHeapGrowth(config.PROJECTION_HEAP_GROWING_PERCENT);
  const progress = new Progress(process.stderr, { label: 'rebuild' });
  // Log lines go to stderr above the progress bar; stdout gets the final count only.
  const logger = createLogger('projection-rebuild', config.LOG_LEVEL, { write: (line: string) => progress.log(line) });
  const redis = createRedis(config.REDIS_URL, 'projection-rebuild');
  try {
    await redisReady(redis);
    const keys = new ProjectionKeys(config.KEY_PREFIX, FIRST_GENERATION);
    if (values['drop-generation'] !== undefined) {
      const old = Number(values['drop-generation']);
      const current = await new ProjectionGenerations(redis, keys, logger).read();
      if (!Number.isSafeInteger(old) || old < FIRST_GENERATION)
        throw new RebuildRefused(`--drop-generation: a generation number, got ${values['drop-generation']}`);
      if (old === current) throw new RebuildRefused(`generation ${old} is current: not dropped`);
      process.stdout.write(
        `generation ${old} dropped (${await dropGeneration(redis, keys.at(old))} keys); generation ${current} is current\n`,
      );
      return 0;
    }
    const controller = new AbortController();
    process.once('SIGINT', () => {
      logger.warn('interrupted: stopping (again to exit at once)');
      controller.abort();
      process.once('SIGINT', () => process.exit(130));
    });
    const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'projection-rebuild', sasl: kafkaLogin(config), logger });
    const topics = topicsWithPrefix(config.TOPIC_PREFIX);
    // The tree in force, as the running projections have it: the files, then grid.config (ADR 0024).
    const { areas } = await readConfiguration({ kafka, topic: topics.config, baseline: await loadBaseline(config), logger });
    const report = await rebuildProjection({
      kafka,
      redis,
      keyPrefix: config.KEY_PREFIX,
      topics,
      areas,
      groupId: `${config.TOPIC_PREFIX}${config.PROJECTION_GROUP_ID}`,
      logger,
      eventVerifier: new EventVerifier(config.EVENT_VERIFY_KEYS, config.EVENT_SIGNATURES_FROM),
      clock: () => new Date(),
      applyWrites: config.PROJECTION_APPLY_WRITES,
      dropOld: values['drop-old'],
      graceMs: grace * 1000,
      progress,
      signal: controller.signal,
    });
    process.stdout.write(`${summary(report)}\n`);
    return 0;
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}

runCliWhenMain(import.meta.url, cli, { what: 'rebuild', usage: [ConfigError], told: [RebuildRefused] });
