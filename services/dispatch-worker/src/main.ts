import { EventSigner, EventVerifier } from '@gridgov/auth';
import { httpTimeoutsFrom, kafkaLogin, parseConfig } from '@gridgov/config';
import { LocalKms, Pseudonyms } from '@gridgov/crypto';
import { topicsWithPrefix } from '@gridgov/contracts';
import { ConfigFollower, loadBaseline } from '@gridgov/config-data';
import { createKafka, KafkaProbe } from '@gridgov/kafka';
import { assertNoEviction, clockFrom, createRedis, redisProbe, redisReady } from '@gridgov/redis';
import { instrumentRedis, ServiceMetrics } from '@gridgov/telemetry';
import { createLogger, exitOnDeadConsumer, exitOnStartupError, ReadinessProbes, shutdownOnSignals } from '@gridgov/runtime';
import { WorkerConfig } from './config.ts';
import { HealthServer } from './health.ts';
import { DispatchWorker } from './worker.ts';

const bootLogger = createLogger('dispatch-worker', process.env['LOG_LEVEL'] ?? 'info');

async function main(): Promise<void> {
  const config = parseConfig(WorkerConfig);
  const logger = createLogger('dispatch-worker', config.LOG_LEVEL);
  const metrics = new ServiceMetrics('dispatch-worker');
  const baseline = await loadBaseline(config);
  const redis = instrumentRedis(createRedis(config.REDIS_URL, 'dispatch-worker', logger), metrics);
  await redisReady(redis);
  await assertNoEviction(redis);
  const topics = topicsWithPrefix(config.TOPIC_PREFIX);
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'dispatch-worker', sasl: kafkaLogin(config), logger });
  // Areas, catalog, routing, calendar and policy: the files, then every change on grid.config, live (ADR 0024).
  const configuration = new ConfigFollower({ kafka, topic: topics.config, baseline, logger });
  await configuration.start();
  const { calendar } = configuration.current;
  if (!calendar.covers(Date.now()))
    logger.warn({ knownYears: calendar.knownYears }, 'the holiday calendar has no notice for this year: weekends only');
  const eventSigner = new EventSigner(config.EVENT_SIGNING_KEY);
  const kafkaProbe = new KafkaProbe(config.KAFKA_BROKERS, 'dispatch-worker', [topics.commands, topics.events], kafkaLogin(config));
  const readiness = new ReadinessProbes({ kafka: kafkaProbe.check, redis: redisProbe(redis) }, { logger });
  const health = new HealthServer({
    host: config.HOST,
    port: config.WORKER_PORT,
    logger,
    ready: () => readiness.check(),
    timeouts: httpTimeoutsFrom(config),
    metrics,
    metricsToken: config.METRICS_TOKEN,
  });
  const healthAddress = await health.listen();
  const worker = new DispatchWorker({
    kafka,
    redis,
    logger,
    topics,
    groupId: `${config.TOPIC_PREFIX}${config.WORKER_GROUP_ID}`,
    keyPrefix: config.KEY_PREFIX,
    // Each batch is decided with the configuration in force when it begins; its events record that version.
    context: () => configuration.current.context,
    configVersionReached: (version) => configuration.versionReached(version),
    partitionsConcurrently: config.WORKER_PARTITIONS_CONCURRENTLY,
    timerPollMs: config.TIMER_POLL_MS,
    sessionTimeoutMs: config.WORKER_SESSION_TIMEOUT_MS,
    clock: clockFrom(
      config.CLOCK_SOURCE,
      config.CLOCK_REDIS_URL ? createRedis(config.CLOCK_REDIS_URL, 'dispatch-worker-clock', logger) : redis,
      config.KEY_PREFIX,
    ),
    signingKeys: [config.COMMAND_SIGNING_KEY, ...config.COMMAND_SIGNING_PREVIOUS_KEYS],
    commandMaxAgeMs: config.COMMAND_MAX_AGE_MS,
    eventSigner,
    // Its own key first, then any being rotated out.
    eventVerifier: new EventVerifier([...new Set([eventSigner.publicKey, ...config.EVENT_VERIFY_KEYS])], config.EVENT_SIGNATURES_FROM),
    onConsumerCrash: exitOnDeadConsumer(logger, 'dispatch-worker commands'),
    encryption: { kms: LocalKms.fromFile(config.KEK_FILE), pseudonyms: new Pseudonyms(config.PSEUDONYM_SECRET) },
    metrics,
  });
  metrics.observeBacklog(() => worker.backlog());
  await worker.start();
  logger.info(
    {
      configVersion: configuration.current.version,
      areas: configuration.current.areas.size,
      areasFile: config.AREAS_FILE,
      holidays: calendar.knownYears,
      routingRules: configuration.current.documents.routing.rules.length,
      health: healthAddress,
    },
    'dispatch worker started',
  );
  shutdownOnSignals(logger, async () => {
    await health.close();
    await worker.stop();
    await configuration.stop();
    await kafkaProbe.close();
    await redis.quit();
  });
}

main().catch((err: unknown) => exitOnStartupError(bootLogger, err));
