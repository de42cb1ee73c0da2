import { parseConfig } from '@gridgov/config';
import { topicsWithPrefix } from '@gridgov/contracts';
import { AreaFixtures, Catalog } from '@gridgov/domain';
import { createKafka, DurableProducer, GroupCommitProducer } from '@gridgov/kafka';
import { clockKey, createRedis, redisClock, redisReady, systemClock } from '@gridgov/redis';
import { createLogger, exitOnStartupError, shutdownOnSignals } from '@gridgov/runtime';
import { buildIntakeApp } from './app.ts';
import { IntakeConfig } from './config.ts';

const bootLogger = createLogger('intake-api', process.env['LOG_LEVEL'] ?? 'info');

async function main(): Promise<void> {
  const config = parseConfig(IntakeConfig);
  const logger = createLogger('intake-api', config.LOG_LEVEL);
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'intake-api', logger });
  const producer = new DurableProducer(kafka);
  await producer.connect();
  const redis = createRedis(config.REDIS_URL, 'intake-api');
  await redisReady(redis);
  const areas = AreaFixtures[config.AREA_FIXTURE]();
  const app = buildIntakeApp({
    logger,
    producer: new GroupCommitProducer(producer),
    redis,
    topics: topicsWithPrefix(config.TOPIC_PREFIX),
    keyPrefix: config.KEY_PREFIX,
    areas,
    catalog: new Catalog(),
    clock: config.CLOCK_SOURCE === 'redis' ? redisClock(redis, clockKey(config.KEY_PREFIX)) : systemClock,
    maxOutcomeWaitMs: config.MAX_OUTCOME_WAIT_MS,
    bodyLimit: config.BODY_LIMIT_BYTES,
    ready: async () => (await redis.ping()) === 'PONG',
  });
  const address = await app.listen({ host: config.HOST, port: config.PORT });
  logger.info({ address, areas: areas.size }, 'intake-api listening');
  shutdownOnSignals(logger, async () => {
    await app.close();
    await producer.disconnect();
    await redis.quit();
  });
}

main().catch((err: unknown) => exitOnStartupError(bootLogger, err));
