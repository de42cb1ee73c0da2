import { tokenVerifierFrom } from '@gridgov/auth';
import { LocalKms, Pseudonyms } from '@gridgov/crypto';
import { httpTimeoutsFrom, kafkaLogin, parseConfig } from '@gridgov/config';
import { topicsWithPrefix } from '@gridgov/contracts';
import { Catalog, parseAreaTree } from '@gridgov/domain';
import { createKafka, DurableProducer, GroupCommitProducer, KafkaProbe, partitionCount } from '@gridgov/kafka';
import { assertNoEviction, clockFrom, createRedis, rateLimitsFrom, redisProbe, redisReady } from '@gridgov/redis';
import { createLogger, exitOnStartupError, ReadinessProbes, readJsonFile, shutdownOnSignals } from '@gridgov/runtime';
import { buildIntakeApp } from './app.ts';
import { IntakeConfig } from './config.ts';
import { ReadSideReadiness } from './read-side.ts';

const bootLogger = createLogger('intake-api', process.env['LOG_LEVEL'] ?? 'info');

async function main(): Promise<void> {
  const config = parseConfig(IntakeConfig);
  const logger = createLogger('intake-api', config.LOG_LEVEL);
  const verifier = tokenVerifierFrom(config);
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'intake-api', sasl: kafkaLogin(config), logger });
  // Few retries: a caller hears 503 after PRODUCE_TIMEOUT_MS, and a request nobody waits for should not hold its place.
  const producer = new DurableProducer(kafka, { retry: { retries: 3, maxRetryTimeMs: 1_000 } });
  await producer.connect();
  const redis = createRedis(config.REDIS_URL, 'intake-api', logger);
  await redisReady(redis);
  await assertNoEviction(redis);
  const topics = topicsWithPrefix(config.TOPIC_PREFIX);
  const kafkaProbe = new KafkaProbe(config.KAFKA_BROKERS, 'intake-api', [topics.commands], kafkaLogin(config));
  const readiness = new ReadinessProbes({ kafka: kafkaProbe.check, redis: redisProbe(redis) }, { logger });
  const areas = parseAreaTree(await readJsonFile(config.AREAS_FILE, 'AREAS_FILE'));
  const readSide = new ReadSideReadiness(redis, config.KEY_PREFIX, await partitionCount(kafka, topics.events));
  const app = buildIntakeApp({
    logger,
    producer: new GroupCommitProducer(producer, undefined, undefined, config.PRODUCE_TIMEOUT_MS),
    redis,
    topics,
    keyPrefix: config.KEY_PREFIX,
    areas,
    catalog: new Catalog(),
    clock: clockFrom(
      config.CLOCK_SOURCE,
      config.CLOCK_REDIS_URL ? createRedis(config.CLOCK_REDIS_URL, 'intake-api-clock', logger) : redis,
      config.KEY_PREFIX,
    ),
    maxOutcomeWaitMs: config.MAX_OUTCOME_WAIT_MS,
    bodyLimit: config.BODY_LIMIT_BYTES,
    ready: () => readiness.check(),
    edge: {
      authenticate: verifier.authenticate,
      rateLimits: rateLimitsFrom(redis, config.KEY_PREFIX, config),
      corsOrigins: config.CORS_ORIGINS,
    },
    trustProxy: config.TRUST_PROXY,
    timeouts: httpTimeoutsFrom(config),
    reportTimes: { maxAheadMs: config.REPORT_MAX_AHEAD_S * 1000, floor: new Date(config.REPORT_TIME_FLOOR) },
    signingKey: config.COMMAND_SIGNING_KEY,
    readSide,
    encryption: { kms: LocalKms.fromFile(config.KEK_FILE), pseudonyms: new Pseudonyms(config.PSEUDONYM_SECRET) },
  });
  const address = await app.listen({ host: config.HOST, port: config.PORT });
  logger.info({ address, areas: areas.size, tokens: verifier.algorithm }, 'intake-api listening');
  shutdownOnSignals(logger, async () => {
    await app.close();
    await producer.disconnect();
    await kafkaProbe.close();
    await redis.quit();
  });
}

main().catch((err: unknown) => exitOnStartupError(bootLogger, err));
