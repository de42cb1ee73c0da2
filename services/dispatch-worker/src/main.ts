import { parseConfig } from '@gridgov/config';
import { topicsWithPrefix } from '@gridgov/contracts';
import { AreaFixtures, Catalog, RoutingTable } from '@gridgov/domain';
import { createKafka } from '@gridgov/kafka';
import { createRedis, redisReady } from '@gridgov/redis';
import { createLogger, exitOnStartupError, shutdownOnSignals } from '@gridgov/runtime';
import { WorkerConfig } from './config.ts';
import { DispatchWorker } from './worker.ts';

const bootLogger = createLogger('dispatch-worker', process.env['LOG_LEVEL'] ?? 'info');

async function main(): Promise<void> {
  const config = parseConfig(WorkerConfig);
  const logger = createLogger('dispatch-worker', config.LOG_LEVEL);
  const areas = AreaFixtures[config.AREA_FIXTURE]();
  const catalog = new Catalog();
  const redis = createRedis(config.REDIS_URL, 'dispatch-worker');
  await redisReady(redis);
  const worker = new DispatchWorker({
    kafka: createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'dispatch-worker', logger }),
    redis,
    logger,
    topics: topicsWithPrefix(config.TOPIC_PREFIX),
    groupId: `${config.TOPIC_PREFIX}${config.WORKER_GROUP_ID}`,
    keyPrefix: config.KEY_PREFIX,
    context: { areas, catalog, routing: new RoutingTable(areas, catalog) },
    partitionsConcurrently: config.WORKER_PARTITIONS_CONCURRENTLY,
    outcomeTtlSeconds: config.OUTCOME_TTL_SECONDS,
    clock: () => new Date(),
  });
  await worker.start();
  logger.info({ areas: areas.size, fixture: config.AREA_FIXTURE }, 'dispatch worker started');
  shutdownOnSignals(logger, async () => {
    await worker.stop();
    await redis.quit();
  });
}

main().catch((err: unknown) => exitOnStartupError(bootLogger, err));
