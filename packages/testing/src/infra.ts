import { randomBytes } from 'node:crypto';
import { topicSpecsWithPrefix, topicsWithPrefix, type Topics } from '@gridgov/contracts';
import { createKafka, deleteTopics, ensureTopics, type KafkaClient } from '@gridgov/kafka';
import { Redis } from 'ioredis';
import { TEST_AUTH_ENV } from './auth.ts';
import { removeRedisUsers, revokeServiceAcls } from './stack-access.ts';
import type { InfraAddresses, S3Address } from './containers.ts';
import { pino, type Logger } from 'pino';
import { inject } from 'vitest';

export interface TestInfraOptions {
  /** Partitions of each test topic (small: tests run in parallel on two cores). */
  readonly partitions?: { commands?: number; events?: number; outcomes?: number; notifications?: number; dlq?: number };
}

/** A test's own slice of the real broker and Redis: unique topics, group prefix and key prefix. */
export interface TestInfra {
  readonly id: string;
  readonly brokers: string[];
  readonly redisUrl: string;
  readonly kafka: KafkaClient;
  readonly redis: Redis;
  readonly topics: Topics;
  /** TOPIC_PREFIX for services: topics and consumer groups of this test. */
  readonly topicPrefix: string;
  /** KEY_PREFIX for services: the Redis keys of this test. */
  readonly keyPrefix: string;
  readonly logger: Logger;
  /**
   * Environment that points a service at this test's slice (with the broker's admin login: startService swaps it for
   * the service's own principal and drops the secrets the service does not use).
   */
  env(): Record<string, string>;
  cleanup(): Promise<void>;
}

export function testLogger(): Logger {
  return pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });
}

/** The suite's shared broker and Redis (for a test that brings one of its own and shares the other), with the broker's admin login. */
export function sharedInfra(): InfraAddresses {
  return inject('infra');
}

/** The suite's S3 server for the photos; a clear failure when the suite was started without one. */
export function sharedS3(): S3Address {
  const { s3 } = inject('infra');
  if (!s3) {
    throw new Error(
      'This test stores photos: it needs the S3 server (bash scripts/test starts it; by hand `bash infra/s3/s3.sh start` and set S3_ENDPOINT, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY)',
    );
  }
  return s3;
}

export async function createTestInfra(options: TestInfraOptions = {}): Promise<TestInfra> {
  const { kafkaBrokers, redisUrl, kafkaSasl, s3 } = inject('infra');
  const id = `t${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const topicPrefix = `${id}.`;
  const topics = topicsWithPrefix(topicPrefix);
  const brokers = kafkaBrokers.split(',');
  const logger = testLogger();
  const kafka = createKafka({ brokers, clientId: id, sasl: kafkaSasl, logger });
  // Small topics with the settings of infra/topics.json; outcomes as many as the commands (the worker requires it).
  await ensureTopics(kafka, topicSpecsWithPrefix(topicPrefix, { commands: 3, events: 3, notifications: 1, dlq: 1, ...options.partitions }));
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  return {
    id,
    brokers,
    redisUrl,
    kafka,
    redis,
    topics,
    topicPrefix,
    keyPrefix: id,
    logger,
    env: () => ({
      KAFKA_BROKERS: kafkaBrokers,
      REDIS_URL: redisUrl,
      TOPIC_PREFIX: topicPrefix,
      KEY_PREFIX: id,
      // The broker's admin login, for a tool a test runs itself (a restore CLI); startService gives a service its own instead.
      ...(kafkaSasl ? { KAFKA_USERNAME: kafkaSasl.username, KAFKA_PASSWORD: kafkaSasl.password } : {}),
      ...(s3
        ? { S3_ENDPOINT: s3.endpoint, S3_BUCKET: s3.bucket, S3_ACCESS_KEY_ID: s3.accessKeyId, S3_SECRET_ACCESS_KEY: s3.secretAccessKey }
        : {}),
      // Tokens and command signatures of the test suite; limits out of the way (their own test checks them).
      ...TEST_AUTH_ENV,
      RATE_LIMIT_PER_USER: '1000000',
      RATE_LIMIT_PER_IP: '1000000',
    }),
    cleanup: async () => {
      await deleteTopics(kafka, Object.values(topics)).catch(() => undefined);
      await revokeServiceAcls(kafkaBrokers, topicPrefix).catch(() => undefined);
      await removeRedisUsers(redis, id).catch(() => undefined);
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${id}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.unlink(...keys);
      } while (cursor !== '0');
      redis.disconnect();
    },
  };
}

/** Polls `probe` until it returns a value that `done` accepts, or fails with the last value seen. */
export async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (done(last)) return last;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(
    `condition not met in ${timeoutMs} ms; last value: ${JSON.stringify(last)}${lastError instanceof Error ? `; last error: ${lastError.message}` : ''}`,
  );
}
