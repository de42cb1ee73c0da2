import { tokenVerifierFrom } from '@gridgov/auth';
import { LocalKms, Pseudonyms } from '@gridgov/crypto';
import { httpTimeoutsFrom, kafkaLogin, parseConfig } from '@gridgov/config';
import { listenHttp } from '@gridgov/http';
import { topicsWithPrefix } from '@gridgov/contracts';
import { ConfigFollower, ConfigWriter, liveView, loadBaseline } from '@gridgov/config-data';
import { createKafka, DurableProducer, GroupCommitProducer, KafkaProbe, partitionCount } from '@gridgov/kafka';
import { assertNoEviction, clockFrom, createRedis, rateLimitsFrom, redisProbe, redisReady } from '@gridgov/redis';
import { instrumentRedis, ServiceMetrics } from '@gridgov/telemetry';
import { createLogger, exitOnStartupError, ReadinessProbes, shutdownOnSignals } from '@gridgov/runtime';
import { buildIntakeApp } from './app.ts';
import { Open311Clients } from './open311/clients.ts';
import { sweepPhotos } from './photos/janitor.ts';
import { PhotoRecords } from './photos/records.ts';
import { PhotoStore } from './photos/store.ts';
import { IntakeConfig } from './config.ts';
import { OpeningReader } from './opening-reader.ts';
import { ReadSideReadiness } from './read-side.ts';

const bootLogger = createLogger('intake-api', process.env['LOG_LEVEL'] ?? 'info');

async function main(): Promise<void> {
  const config = parseConfig(IntakeConfig);
  const logger = createLogger('intake-api', config.LOG_LEVEL);
  const metrics = new ServiceMetrics('intake-api');
  const verifier = tokenVerifierFrom(config);
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'intake-api', sasl: kafkaLogin(config), logger });
  // Few retries: a caller hears 503 after PRODUCE_TIMEOUT_MS, and a request nobody waits for should not hold its place.
  const producer = new DurableProducer(kafka, { retry: { retries: 3, maxRetryTimeMs: 1_000 } });
  await producer.connect();
  const redis = instrumentRedis(createRedis(config.REDIS_URL, 'intake-api', logger), metrics);
  await redisReady(redis);
  await assertNoEviction(redis);
  const topics = topicsWithPrefix(config.TOPIC_PREFIX);
  const kafkaProbe = new KafkaProbe(config.KAFKA_BROKERS, 'intake-api', [topics.commands], kafkaLogin(config));
  const readiness = new ReadinessProbes({ kafka: kafkaProbe.check, redis: redisProbe(redis) }, { logger });
  // Areas, catalog, routing, calendar and policy: the files, then every change on grid.config, live (ADR 0024).
  const configuration = new ConfigFollower({ kafka, topic: topics.config, baseline: await loadBaseline(config), logger });
  await configuration.start();
  const configWriter = new ConfigWriter(kafka, topics.config, configuration);
  const areas = liveView(() => configuration.current.areas);
  const readSide = new ReadSideReadiness(redis, config.KEY_PREFIX, await partitionCount(kafka, topics.events));
  if (config.S3_ENDPOINT && !(config.S3_ACCESS_KEY_ID && config.S3_SECRET_ACCESS_KEY)) {
    throw new Error('S3_ENDPOINT is set: S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY are required with it');
  }
  const photoStore = config.S3_ENDPOINT
    ? new PhotoStore({
        endpoint: config.S3_ENDPOINT,
        region: config.S3_REGION,
        bucket: config.S3_BUCKET,
        accessKeyId: config.S3_ACCESS_KEY_ID!,
        secretAccessKey: config.S3_SECRET_ACCESS_KEY!,
        forcePathStyle: config.S3_FORCE_PATH_STYLE,
      })
    : undefined;
  const kms = LocalKms.fromFile(config.KEK_FILE);
  // Read before listening: a clients file that is wrong stops the start, naming the field.
  const open311Clients = config.OPEN311_CLIENTS_FILE ? Open311Clients.fromFile(config.OPEN311_CLIENTS_FILE) : new Open311Clients([]);
  if (open311Clients.clients.length === 0)
    logger.warn('no Open311 client app (OPEN311_CLIENTS_FILE): POST /open311/v2/requests answers 403');
  if (!photoStore) logger.warn('S3_ENDPOINT is not set: photos are off (POST /v1/photos answers 503)');
  const app = buildIntakeApp({
    logger,
    producer: new GroupCommitProducer(producer, undefined, undefined, config.PRODUCE_TIMEOUT_MS),
    redis,
    topics,
    keyPrefix: config.KEY_PREFIX,
    areas,
    catalog: liveView(() => configuration.current.catalog),
    configVersion: () => configuration.current.version,
    areasKey: () => configuration.current.documents.areas,
    admin: {
      current: () => configuration.current,
      changes: () => configuration.changes,
      write: (change) => configWriter.write(change),
      importMaxBytes: config.ADMIN_IMPORT_MAX_BYTES,
    },
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
      // Each hit to Redis: gathering them saved the intake nothing and cost its p99 (ADR 0052).
      rateLimits: rateLimitsFrom(redis, config.KEY_PREFIX, config, logger, { gathered: false }),
      corsOrigins: config.CORS_ORIGINS,
    },
    trustProxy: config.TRUST_PROXY,
    timeouts: httpTimeoutsFrom(config),
    observability: { metrics, metricsToken: config.METRICS_TOKEN },
    reportTimes: { maxAheadMs: config.REPORT_MAX_AHEAD_S * 1000, floor: new Date(config.REPORT_TIME_FLOOR) },
    signingKey: config.COMMAND_SIGNING_KEY,
    readSide,
    encryption: { kms, pseudonyms: new Pseudonyms(config.PSEUDONYM_SECRET) },
    photos: {
      store: photoStore,
      maxBytes: config.PHOTO_MAX_BYTES,
      maxPending: config.PHOTO_MAX_PENDING,
      pendingTtlS: config.PHOTO_PENDING_TTL_S,
    },
    open311: { clients: open311Clients },
  });
  let sweeping = false;
  const janitor =
    photoStore && config.PHOTO_SWEEP_INTERVAL_MS > 0
      ? setInterval(() => {
          if (sweeping) return;
          sweeping = true;
          sweepPhotos(
            photoStore,
            new PhotoRecords(redis, config.KEY_PREFIX),
            // Photo keys are sealed on the log and in the views (ADR 0016): the janitor reads them opened.
            new OpeningReader(redis, config.KEY_PREFIX, logger, kms),
            Date.now(),
            logger,
          )
            .catch((err: unknown) => logger.warn({ err }, 'photo janitor failed; it tries again at its next sweep'))
            .finally(() => (sweeping = false));
        }, config.PHOTO_SWEEP_INTERVAL_MS)
      : undefined;
  janitor?.unref();
  const address = await listenHttp(app, { host: config.HOST, port: config.PORT, backlog: config.HTTP_LISTEN_BACKLOG });
  logger.info(
    {
      address,
      configVersion: configuration.current.version,
      areas: areas.size,
      tokens: verifier.algorithm,
      open311Clients: open311Clients.clients.length,
      photos: photoStore ? `${config.S3_ENDPOINT} ${config.S3_BUCKET}` : 'off',
    },
    'intake-api listening',
  );
  shutdownOnSignals(logger, async () => {
    if (janitor) clearInterval(janitor);
    await app.close();
    photoStore?.destroy();
    await configWriter.close();
    await configuration.stop();
    await producer.disconnect();
    await kafkaProbe.close();
    await redis.quit();
  });
}

main().catch((err: unknown) => exitOnStartupError(bootLogger, err));
