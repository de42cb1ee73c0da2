import type { TestProject } from 'vitest/node';
import { dockerMayAnswer, startContainers, type InfraAddresses } from './containers.ts';
import { brokerLogin } from './stack-access.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    infra: InfraAddresses;
  }
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
    project.provide('infra', { kafkaBrokers, redisUrl, kafkaSasl: brokerLogin(kafkaBrokers) });
    return undefined;
  }
  if (!kafkaBrokers && !redisUrl && dockerMayAnswer()) {
    const started = await startContainers();
    project.provide('infra', started.addresses);
    return started.stop;
  }
  throw new Error(HOW_TO);
}
