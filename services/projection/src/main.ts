import { EventVerifier, tokenVerifierFrom } from '@gridgov/auth';
import { httpTimeoutsFrom, kafkaLogin, parseConfig } from '@gridgov/config';
import { listenHttp } from '@gridgov/http';
import { topicsWithPrefix } from '@gridgov/contracts';
import { ConfigFollower, liveView, loadBaseline } from '@gridgov/config-data';
import { createKafka, KafkaProbe, partitionCount } from '@gridgov/kafka';
import { readConfigurationVersions, runWhatIf } from '@gridgov/what-if';
import { assertNoEviction, clockFrom, createRedis, rateLimitsFrom, redisProbe, redisReady, subscriberConnection } from '@gridgov/redis';
import { instrumentRedis, ServiceMetrics } from '@gridgov/telemetry';
import {
  createLogger,
  exitOnDeadConsumer,
  exitOnStartupError,
  limitHeapGrowth,
  ReadinessProbes,
  shutdownOnSignals,
} from '@gridgov/runtime';
import { buildProjectionApp } from './api/app.ts';
import { WhatIfRuns } from './what-if/runs.ts';
import { KafkaBulletinLog } from './projector/bulletin-log.ts';
import { BulletinStore } from './api/bulletin.ts';
import { BulletinFreezer } from './api/bulletin-freezer.ts';
import { ChromiumPdfPrinter } from './api/pdf-printer.ts';
import { ProjectionConfig } from './config.ts';
import { FIRST_GENERATION, ProjectionKeys } from './projector/counter-store.ts';
import { CounterReadCache } from './projector/counter-cache.ts';
import { FiguresChangeFeed, FiguresChangePublisher } from './api/figures-changes.ts';
import { KeptAnswers } from './api/kept-answers.ts';
import { StreamSlots } from '@gridgov/redis';
import { CurrentCounters, ProjectionGenerations } from './projector/generation.ts';
import { CaseViewProjector } from './projector/case-views/projector.ts';
import { CaseViewStore } from './projector/case-views/store.ts';
import { Projector } from './projector/projector.ts';
import { FoldConsumer } from './projector/fold-consumer.ts';

const bootLogger = createLogger('projection', process.env['LOG_LEVEL'] ?? 'info');

async function main(): Promise<void> {
  const config = parseConfig(ProjectionConfig);
  limitHeapGrowth(config.PROJECTION_HEAP_GROWING_PERCENT);
  const logger = createLogger('projection', config.LOG_LEVEL);
  const metrics = new ServiceMetrics('projection');
  const verifier = tokenVerifierFrom(config);
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'projection', sasl: kafkaLogin(config), logger });
  const topics = topicsWithPrefix(config.TOPIC_PREFIX);
  const partitions = await partitionCount(kafka, topics.events);
  const redis = instrumentRedis(createRedis(config.REDIS_URL, 'projection', logger), metrics);
  await redisReady(redis);
  await assertNoEviction(redis);
  const kafkaProbe = new KafkaProbe(config.KAFKA_BROKERS, 'projection', [topics.events], kafkaLogin(config));
  const readiness = new ReadinessProbes({ kafka: kafkaProbe.check, redis: redisProbe(redis) }, { logger });
  // The area tree and catalog: the files, then every change on grid.config, live (ADR 0024).
  const baseline = await loadBaseline(config);
  const configuration = new ConfigFollower({ kafka, topic: topics.config, baseline, logger });
  await configuration.start();
  const areas = liveView(() => configuration.current.areas);
  const catalog = liveView(() => configuration.current.catalog);
  // Bulletins, notices and the generation pointer are the same in every generation.
  const keys = new ProjectionKeys(config.KEY_PREFIX, FIRST_GENERATION);
  const readCache = new CounterReadCache(config.PROJECTION_READ_CACHE_MB * 1024 * 1024, {
    found: (hit) => metrics.readCacheParts.inc({ result: hit ? 'hit' : 'miss' }),
    bytes: (held) => metrics.readCacheBytes.set(held),
  });
  const generations = new ProjectionGenerations(redis, keys, logger, readCache);
  // Subscriber connections subscribe before they are connected: they queue commands while (re)connecting.
  await generations.start(subscriberConnection(redis, 'projection-generation'), config.GENERATION_REFRESH_MS);
  // One subscriber connection per instance, shared by all its live streams.
  const changes = new FiguresChangeFeed(subscriberConnection(redis, 'projection-changes'), keys.figuresChanged(), logger);
  await changes.start();
  // A new generation may hold other figures than the one streams last read: they re-read.
  generations.onChange(() => changes.notifyAll());
  const publisher = new FiguresChangePublisher(redis, keys.figuresChanged(), logger);
  const clock = () => new Date();
  // Events are believed only when the dispatch worker signed them where they stand (ADR 0019).
  const eventVerifier = new EventVerifier(config.EVENT_VERIFY_KEYS, config.EVENT_SIGNATURES_FROM);
  // One consumer feeds the counters and the read side (ADR 0040): grid.events fetched, verified and decoded once.
  const consumer = new FoldConsumer({
    kafka,
    groupId: `${config.TOPIC_PREFIX}${config.PROJECTION_GROUP_ID}`,
    logger,
    partitionsConcurrently: config.PROJECTION_PARTITIONS_CONCURRENTLY,
    fetchBytesPerPartition: config.PROJECTION_FETCH_BYTES,
    sessionTimeoutMs: config.PROJECTION_SESSION_TIMEOUT_MS,
    onCrash: exitOnDeadConsumer(logger, 'projection'),
    metrics,
  });
  const projector = new Projector({
    kafka,
    consumer,
    generations,
    areas,
    configVersionReached: (version) => configuration.versionReached(version),
    topics,
    logger,
    applyWrites: config.PROJECTION_APPLY_WRITES,
    clock,
    eventVerifier,
    onApplied: (partition, events) => publisher.applied(partition, events),
    metrics,
  });
  await projector.start();
  // The read side of the intake's case routes: views, histories, work lists and command outcomes (ADR 0009).
  const caseViews = new CaseViewProjector({
    kafka,
    consumer,
    store: new CaseViewStore(redis, config.KEY_PREFIX, config.OUTCOME_TTL_SECONDS),
    areas,
    catalog,
    configVersionReached: (version) => configuration.versionReached(version),
    topics,
    logger,
    eventVerifier,
    metrics,
  });
  await caseViews.start();
  await consumer.start();
  await consumer.whenAssigned();
  const bulletinLog = new KafkaBulletinLog(kafka, topics.bulletins, logger);
  const streamSlots = new StreamSlots(
    redis,
    config.KEY_PREFIX,
    { perUser: config.STREAMS_PER_USER, leaseMs: config.STREAM_SLOT_LEASE_MS },
    logger,
  );
  const store = new CurrentCounters(generations);
  // Whole answers kept while no partition has moved and the configuration is the same (ADR 0046).
  const answers = new KeptAnswers(
    config.PROJECTION_ANSWER_CACHE_MB * 1024 * 1024,
    async () => {
      const counters = await store.versionNow(partitions);
      return counters === undefined ? undefined : `${configuration.current.version} ${counters}`;
    },
    {
      answered: (result) => metrics.answerCacheAnswers.inc({ result }),
      bytes: (held) => metrics.answerCacheBytes.set(held),
    },
  );
  const bulletins = new BulletinStore(redis, keys, bulletinLog);
  const app = buildProjectionApp({
    logger,
    store,
    bulletins,
    changes,
    areas,
    catalog,
    partitions,
    clock,
    ready: () => readiness.check(),
    rankingWeights: config.RANKING_WEIGHTS,
    answers,
    stream: { minIntervalMs: config.STREAM_MIN_INTERVAL_MS, slots: streamSlots },
    edge: {
      authenticate: verifier.authenticate,
      rateLimits: rateLimitsFrom(redis, config.KEY_PREFIX, config, logger),
      corsOrigins: config.CORS_ORIGINS,
      maxInFlight: config.PROJECTION_MAX_IN_FLIGHT,
    },
    trustProxy: config.TRUST_PROXY,
    timeouts: httpTimeoutsFrom(config),
    pdf: new ChromiumPdfPrinter(config.CHROMIUM_PATH, logger),
    observability: { metrics, metricsToken: config.METRICS_TOKEN },
    // 假设分析 (ADR 0033): runs read grid.events with a group of their own and keep their results apart from the counters.
    whatIf: new WhatIfRuns({
      redis,
      keyPrefix: config.KEY_PREFIX,
      logger,
      clock,
      configuration: () => configuration.current,
      run: async (_current, request, onProgress) =>
        runWhatIf({
          kafka,
          topic: topics.events,
          verifier: eventVerifier,
          logger,
          groupPrefix: `${config.TOPIC_PREFIX}${config.PROJECTION_GROUP_ID}-what-if`,
          // Every version of grid.config: each case decided again under its own (ADR 0033).
          versions: await readConfigurationVersions({ kafka, topic: topics.config, baseline, logger }),
          policy: request.policy,
          scope: request.scope,
          onProgress,
        }),
    }),
  });
  // 月通报 freeze themselves after their month (BULLETIN_FREEZE_AT), on the deployment's clock (CLOCK_SOURCE).
  const freezeClock = clockFrom(
    config.CLOCK_SOURCE,
    config.CLOCK_REDIS_URL ? createRedis(config.CLOCK_REDIS_URL, 'projection-clock', logger) : redis,
    config.KEY_PREFIX,
  );
  const freezer = config.BULLETIN_FREEZE_AT
    ? new BulletinFreezer({
        store,
        areas,
        partitions,
        bulletins,
        rankingWeights: config.RANKING_WEIGHTS,
        at: config.BULLETIN_FREEZE_AT,
        clock: freezeClock,
        logger,
      })
    : undefined;
  const address = await listenHttp(app, { host: config.HOST, port: config.PORT, backlog: config.HTTP_LISTEN_BACKLOG });
  logger.info(
    { address, partitions, configVersion: configuration.current.version, areas: areas.size, generation: generations.current() },
    'projection listening',
  );
  // Tells an operator whether a rebuild would code counters folded before ADR 0047; a Redis not answering here is no
  // reason to stop (the probes say so).
  const generation = generations.current();
  if (generation !== undefined) {
    try {
      const spelled = (await generations.store(generation).layouts(partitions)).filter((l) => l === 'spelled').length;
      if (spelled > 0)
        logger.info(
          { generation, partitions: spelled },
          'counters of partitions folded before their fields were coded are spelled out (ADR 0047); `pnpm rebuild-projection` writes them coded, in less memory',
        );
    } catch (err) {
      logger.warn({ err, generation }, 'could not read how the counters of the generation are laid out');
    }
  }
  freezer?.start(config.BULLETIN_FREEZE_CHECK_MS);
  shutdownOnSignals(logger, async () => {
    await app.close();
    await freezer?.stop();
    streamSlots.close();
    await consumer.stop();
    await projector.stop();
    await caseViews.stop();
    await configuration.stop();
    await bulletinLog.close();
    await changes.close();
    await generations.close();
    await kafkaProbe.close();
    await redis.quit();
  });
}

main().catch((err: unknown) => exitOnStartupError(bootLogger, err));
