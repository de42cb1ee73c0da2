import { tokenVerifierFrom } from '@gridgov/auth';
import { parseConfig } from '@gridgov/config';
import { topicsWithPrefix } from '@gridgov/contracts';
import { AreaFixtures, Catalog } from '@gridgov/domain';
import { createKafka, DurableProducer, GroupCommitProducer, partitionCount } from '@gridgov/kafka';
import { clockFrom, createRedis, rateLimitsFrom, redisReady } from '@gridgov/redis';
import { createLogger, exitOnStartupError, shutdownOnSignals } from '@gridgov/runtime';
import { buildIntakeApp } from './app.ts';
import { IntakeConfig } from './config.ts';
import { ReadSideReadiness } from './read-side.ts';

const bootLogger = createLogger('intake-api', process.env['LOG_LEVEL'] ?? 'info');

async function main(): Promise<void> {
  const config = parseConfig(IntakeConfig);
  const logger = createLogger('intake-api', config.LOG_LEVEL);
  const verifier = tokenVerifierFrom(config);
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'intake-api', logger });
  const producer = new DurableProducer(kafka);
  await producer.connect();
  const redis = createRedis(config.REDIS_URL, 'intake-api');
  await redisReady(redis);
  const areas = AreaFixtures[config.AREA_FIXTURE]();
  const topics = topicsWithPrefix(config.TOPIC_PREFIX);
  const readSide = new ReadSideReadiness(redis, config.KEY_PREFIX, await partitionCount(kafka, topics.events));
  const app = buildIntakeApp({
    logger,
    producer: new GroupCommitProducer(producer),
    redis,
    topics,
    keyPrefix: config.KEY_PREFIX,
    areas,
    catalog: new Catalog(),
    clock: clockFrom(
      config.CLOCK_SOURCE,
      config.CLOCK_REDIS_URL ? createRedis(config.CLOCK_REDIS_URL, 'intake-api-clock') : redis,
      config.KEY_PREFIX,
    ),
    maxOutcomeWaitMs: config.MAX_OUTCOME_WAIT_MS,
    bodyLimit: config.BODY_LIMIT_BYTES,
    ready: async () => (await redis.ping()) === 'PONG',
    edge: {
      authenticate: verifier.authenticate,
      rateLimits: rateLimitsFrom(redis, config.KEY_PREFIX, config),
      corsOrigins: config.CORS_ORIGINS,
    },
    trustProxy: config.TRUST_PROXY,
    signingKey: config.COMMAND_SIGNING_KEY,
    readSide,
  });
  const address = await app.listen({ host: config.HOST, port: config.PORT });
  logger.info({ address, areas: areas.size, tokens: verifier.algorithm }, 'intake-api listening');
  shutdownOnSignals(logger, async () => {
    await app.close();
    await producer.disconnect();
    await redis.quit();
  });
}

main().catch((err: unknown) => exitOnStartupError(bootLogger, err));
