import { existsSync } from 'node:fs';
import { RedisContainer } from '@testcontainers/redis';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { freePort } from './processes.ts';

export interface InfraAddresses {
  readonly kafkaBrokers: string;
  readonly redisUrl: string;
  /** The broker's admin login (SASL/SCRAM-SHA-256), when it requires logins (ADR 0017): infra/kafka/kafka.sh's do. */
  readonly kafkaSasl?: { readonly username: string; readonly password: string } | undefined;
  /** The S3 server of the photos (infra/s3/s3.sh, started by scripts/test), when S3_ENDPOINT is set. */
  readonly s3?: S3Address;
}

export interface S3Address {
  readonly endpoint: string;
  readonly bucket: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** True when a Docker engine may be reachable (testcontainers' own check needs a socket or DOCKER_HOST). */
export function dockerMayAnswer(): boolean {
  return Boolean(process.env['DOCKER_HOST']) || existsSync('/var/run/docker.sock');
}

/**
 * Starts apache/kafka (KRaft, single node) and Redis in containers. Kafka advertises the host
 * port it is mapped to, so that port is chosen before the container starts.
 */
export async function startContainers(): Promise<{ addresses: InfraAddresses; stop: () => Promise<void> }> {
  const kafkaPort = await freePort();
  const kafka: StartedTestContainer = await new GenericContainer('apache/kafka:3.9.1')
    .withExposedPorts({ container: 9092, host: kafkaPort })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${kafkaPort}`,
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
    })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .start();
  const redis = await new RedisContainer('redis:7').start();
  return {
    addresses: { kafkaBrokers: `127.0.0.1:${kafkaPort}`, redisUrl: redis.getConnectionUrl() },
    stop: async () => {
      await Promise.all([kafka.stop(), redis.stop()]);
    },
  };
}
