import type { TestProject } from 'vitest/node';
import { dockerMayAnswer, startContainers, type InfraAddresses, type S3Address } from './containers.ts';
import { brokerLogin } from './stack-access.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    infra: InfraAddresses;
  }
}

/**
 * The photos' S3 server: S3_ENDPOINT with the credentials of the stack's dev secrets (scripts/lib.sh's ensure_infra
 * exports them; by hand: `bash infra/s3/s3.sh start` and S3_ENDPOINT, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY from
 * .local/secrets.env). The tests that store photos fail, naming these variables, without it.
 */
function s3FromEnv(): S3Address | undefined {
  const endpoint = process.env['S3_ENDPOINT'];
  const accessKeyId = process.env['S3_ACCESS_KEY_ID'];
  const secretAccessKey = process.env['S3_SECRET_ACCESS_KEY'];
  if (!endpoint) return undefined;
  if (!accessKeyId || !secretAccessKey) throw new Error('S3_ENDPOINT is set: set S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY too');
  return { endpoint, bucket: process.env['S3_BUCKET'] ?? 'gridgov-photos', accessKeyId, secretAccessKey };
}

const HOW_TO =
  'Integration tests need a real Kafka broker and Redis. Run the whole suite with `bash scripts/test` ' +
  '(it starts both), or start them yourself (`bash infra/kafka/kafka.sh start`, `bash infra/redis/redis.sh start`) ' +
  'and set KAFKA_BROKERS=127.0.0.1:9092 and REDIS_URL=redis://127.0.0.1:<port>. With a Docker engine and neither ' +
  'variable set, containers are started instead.';

/**
 * Finds the Kafka broker and Redis for the integration tests: the addresses in KAFKA_BROKERS and
 * REDIS_URL when given; containers when a Docker engine answers; otherwise a clear failure, never a skip.
 * The broker's admin login comes with the address: KAFKA_USERNAME/KAFKA_PASSWORD, or the credentials that
 * infra/kafka/kafka.sh keeps in its home (.local/kafka-<port>/scram-credentials).
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const kafkaBrokers = process.env['KAFKA_BROKERS'];
  const redisUrl = process.env['REDIS_URL'];
  if (kafkaBrokers && redisUrl) {
    const s3 = s3FromEnv();
    project.provide('infra', { kafkaBrokers, redisUrl, kafkaSasl: brokerLogin(kafkaBrokers), ...(s3 ? { s3 } : {}) });
    return undefined;
  }
  if (!kafkaBrokers && !redisUrl && dockerMayAnswer()) {
    const started = await startContainers();
    project.provide('infra', started.addresses);
    return started.stop;
  }
  throw new Error(HOW_TO);
}
