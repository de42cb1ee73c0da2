import { tokenVerifierFrom } from '@gridgov/auth';
import { ConfigError, httpTimeoutsFrom, kafkaLogin, parseConfig } from '@gridgov/config';
import { listenHttp } from '@gridgov/http';
import { topicsWithPrefix } from '@gridgov/contracts';
import { ConfigFollower, liveView, loadBaseline } from '@gridgov/config-data';
import { createKafka, KafkaProbe } from '@gridgov/kafka';
import { assertNoEviction, clockFrom, createRedis, rateLimitsFrom, redisProbe, redisReady, StreamSlots } from '@gridgov/redis';
import { instrumentRedis, ServiceMetrics } from '@gridgov/telemetry';
import { createLogger, exitOnDeadConsumer, exitOnStartupError, ReadinessProbes, readJsonFile, shutdownOnSignals } from '@gridgov/runtime';
import { buildNotifierApp } from './app.ts';
import { NotifierConfig } from './config.ts';
import { Directory, DirectoryData } from './directory.ts';
import { Notifier } from './notifier.ts';
import { HttpSmsAdapter } from './sms.ts';
import { NotifierStore } from './store.ts';

const bootLogger = createLogger('notifier', process.env['LOG_LEVEL'] ?? 'info');

async function main(): Promise<void> {
  const config = parseConfig(NotifierConfig);
  const logger = createLogger('notifier', config.LOG_LEVEL);
  const metrics = new ServiceMetrics('notifier');
  const verifier = tokenVerifierFrom(config);
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'notifier', sasl: kafkaLogin(config), logger });
  const topics = topicsWithPrefix(config.TOPIC_PREFIX);
  // The area tree: AREAS_FILE, then every change on grid.config, live (ADR 0024).
  const configuration = new ConfigFollower({ kafka, topic: topics.config, baseline: await loadBaseline(config), logger });
  await configuration.start();
  const areas = liveView(() => configuration.current.areas);
  const parsed = DirectoryData.safeParse(await readJsonFile(config.DIRECTORY_FILE, 'DIRECTORY_FILE'));
  if (!parsed.success)
    throw new ConfigError(parsed.error.issues.map((i) => `DIRECTORY_FILE ${config.DIRECTORY_FILE}: ${i.path.join('.')}: ${i.message}`));
  let directory: Directory;
  try {
    directory = new Directory(parsed.data, areas);
  } catch (err) {
    throw new ConfigError([`DIRECTORY_FILE ${config.DIRECTORY_FILE}: ${(err as Error).message}`]);
  }
  if (directory.data.webhooks.length > 0 && !config.WEBHOOK_SECRET)
    throw new ConfigError(['WEBHOOK_SECRET: required, the directory has webhooks to sign']);

  const redis = instrumentRedis(createRedis(config.REDIS_URL, 'notifier', logger), metrics);
  await redisReady(redis);
  await assertNoEviction(redis);
  const subscriber = createRedis(config.REDIS_URL, 'notifier-sse', logger);
  await redisReady(subscriber);
  const store = new NotifierStore(redis, config.KEY_PREFIX);
  const kafkaProbe = new KafkaProbe(config.KAFKA_BROKERS, 'notifier', [topics.notifications, topics.dlq], kafkaLogin(config));
  const readiness = new ReadinessProbes({ kafka: kafkaProbe.check, redis: redisProbe(redis) }, { logger });
  const clock = clockFrom(
    config.CLOCK_SOURCE,
    config.CLOCK_REDIS_URL ? createRedis(config.CLOCK_REDIS_URL, 'notifier-clock', logger) : redis,
    config.KEY_PREFIX,
  );
  const notifier = new Notifier({
    kafka,
    store,
    logger,
    topics,
    groupId: `${config.TOPIC_PREFIX}${config.NOTIFIER_GROUP_ID}`,
    sessionTimeoutMs: config.NOTIFIER_SESSION_TIMEOUT_MS,
    directory: () => directory,
    clock,
    webhooks: {
      secret: config.WEBHOOK_SECRET,
      maxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
      backoffMs: config.WEBHOOK_BACKOFF_MS,
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    },
    sms: {
      adapter: config.SMS_API_URL ? new HttpSmsAdapter(config.SMS_API_URL, config.SMS_API_TOKEN) : undefined,
      limitPerNumber: config.SMS_LIMIT_PER_NUMBER,
      windowMs: config.SMS_LIMIT_WINDOW_MS,
      quietHours: config.SMS_QUIET_HOURS,
      pollMs: config.SMS_POLL_MS,
      maxAttempts: 5,
    },
    onConsumerCrash: exitOnDeadConsumer(logger, 'notifier notifications'),
    metrics,
  });
  // The per-user cap on open inbox streams, over every notifier instance (`<k>:notify:streams:<user>`, ADR 0020).
  const streamSlots = new StreamSlots(
    redis,
    `${config.KEY_PREFIX}:notify`,
    { perUser: config.STREAMS_PER_USER, leaseMs: config.STREAM_SLOT_LEASE_MS },
    logger,
  );
  const app = buildNotifierApp({
    logger,
    store,
    subscriber,
    streamSlots,
    areas,
    directory: { get: () => directory, set: (d) => (directory = d) },
    ready: () => readiness.check(),
    timeouts: httpTimeoutsFrom(config),
    observability: { metrics, metricsToken: config.METRICS_TOKEN },
    edge: {
      authenticate: verifier.authenticate,
      rateLimits: rateLimitsFrom(redis, config.KEY_PREFIX, config, logger),
      corsOrigins: config.CORS_ORIGINS,
    },
  });
  await notifier.start();
  const address = await listenHttp(app, { host: config.HOST, port: config.NOTIFIER_PORT, backlog: config.HTTP_LISTEN_BACKLOG });
  logger.info(
    {
      address,
      people: directory.data.people.length,
      webhooks: directory.data.webhooks.length,
      sms: config.SMS_API_URL ? 'on' : 'off',
      directoryFile: config.DIRECTORY_FILE,
    },
    'notifier listening',
  );
  shutdownOnSignals(logger, async () => {
    streamSlots.close();
    await app.close();
    await notifier.stop();
    await configuration.stop();
    await kafkaProbe.close();
    subscriber.disconnect();
    await redis.quit();
  });
}

main().catch((err: unknown) => exitOnStartupError(bootLogger, err));
