import { Kafka, logLevel, type LogEntry, type logCreator } from 'kafkajs';
import type { Logger } from 'pino';

export interface KafkaOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
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

  constructor(options: KafkaOptions) {
    this.clientId = options.clientId;
    this.brokers = [...options.brokers];
    clients.set(
      this,
      new Kafka({
        clientId: options.clientId,
        brokers: [...options.brokers],
        ...(options.logger ? { logLevel: logLevel.INFO, logCreator: pinoLogCreator(options.logger) } : { logLevel: logLevel.NOTHING }),
        retry: { initialRetryTime: 100, retries: options.retries ?? 10 },
        ...(options.connectionTimeoutMs ? { connectionTimeout: options.connectionTimeoutMs } : {}),
        ...(options.requestTimeoutMs ? { requestTimeout: options.requestTimeoutMs } : {}),
      }),
    );
  }
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
