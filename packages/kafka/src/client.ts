import { Kafka, logLevel, type LogEntry, type logCreator } from 'kafkajs';
import type { Logger } from 'pino';

/** A SASL/SCRAM-SHA-256 login (the project's broker requires one: ADR 0017). */
export interface KafkaSasl {
  readonly username: string;
  readonly password: string;
}

export interface KafkaOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** The principal to log in as (SCRAM-SHA-256); none: a broker without SASL (e.g. a container of the tests). */
  readonly sasl?: KafkaSasl | undefined;
  /** Where the client's own log lines go; silent when left out. */
  readonly logger?: Logger;
  /** Retries of a failed request (default 10, from 100 ms on). */
  readonly retries?: number;
  /** How long a connection attempt may take, in ms (default: the client's own, 1 s). */
  readonly connectionTimeoutMs?: number;
  /** How long a request may take, in ms (default: the client's own, 30 s). */
  readonly requestTimeoutMs?: number;
}

const levels: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** kafkajs logs through pino; its INFO chatter (joins, commits) is demoted to debug. */
function pinoLogCreator(logger: Logger): logCreator {
  const child = logger.child({ component: 'kafkajs' });
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, ...extra } = log;
      const name = levels[level] ?? 'info';
      child[name === 'info' ? 'debug' : name](extra, message);
    };
}

const clients = new WeakMap<KafkaClient, Kafka>();

/**
 * A connection to the Kafka cluster, as the rest of the code sees it: what it is given to the producer,
 * the consumers, the readers and the admin of this package. Which client library is underneath is this
 * package's business (kafkajs today, ADR 0012); nothing outside it names that library's types.
 */
export class KafkaClient {
  readonly clientId: string;
  readonly brokers: readonly string[];
  /** The login it connects with, if any (the principal whose ACLs apply). */
  readonly sasl: KafkaSasl | undefined;

  constructor(options: KafkaOptions) {
    this.clientId = options.clientId;
    this.brokers = [...options.brokers];
    this.sasl = options.sasl;
    clients.set(
      this,
      new Kafka({
        clientId: options.clientId,
        brokers: [...options.brokers],
        ...kafkajsSasl(options.sasl),
        ...(options.logger ? { logLevel: logLevel.INFO, logCreator: pinoLogCreator(options.logger) } : { logLevel: logLevel.NOTHING }),
        retry: { initialRetryTime: 100, retries: options.retries ?? 10 },
        ...(options.connectionTimeoutMs ? { connectionTimeout: options.connectionTimeoutMs } : {}),
        ...(options.requestTimeoutMs ? { requestTimeout: options.requestTimeoutMs } : {}),
      }),
    );
  }
}

/** kafkajs' settings for a SCRAM-SHA-256 login over a plaintext connection (TLS: ADR 0017). */
export function kafkajsSasl(sasl: KafkaSasl | undefined): { sasl?: { mechanism: 'scram-sha-256'; username: string; password: string } } {
  return sasl ? { sasl: { mechanism: 'scram-sha-256', username: sasl.username, password: sasl.password } } : {};
}

/**
 * The login in KAFKA_USERNAME and KAFKA_PASSWORD of `env` (both or neither): what the infra scripts, benches and tests'
 * plain clients connect with (scripts/lib.sh ensure_infra exports the admin's). Services take theirs from their config.
 */
export function kafkaSaslFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): KafkaSasl | undefined {
  const username = env['KAFKA_USERNAME'];
  const password = env['KAFKA_PASSWORD'];
  if (!username && !password) return undefined;
  if (!username || !password) throw new Error('KAFKA_USERNAME and KAFKA_PASSWORD go together: set both or neither');
  return { username, password };
}

export function createKafka(options: KafkaOptions): KafkaClient {
  return new KafkaClient(options);
}

/** The kafkajs client under a KafkaClient: for this package's modules only (not exported by its index). */
export function kafkajsOf(client: KafkaClient): Kafka {
  const kafka = clients.get(client);
  if (!kafka) throw new Error('not a KafkaClient made by createKafka');
  return kafka;
}
