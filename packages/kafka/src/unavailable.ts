/** Kafka did not take a record: the broker is unreachable, or did not acknowledge it (acks=all) in time. */
export class KafkaUnavailableError extends Error {
  readonly code = 'KAFKA_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KafkaUnavailableError';
  }
}

/** Whether an error says that Kafka could not be reached or did not take a request: ours, or any of kafkajs's. */
export function isKafkaUnavailable(err: unknown): boolean {
  return err instanceof KafkaUnavailableError || (err instanceof Error && err.name.startsWith('KafkaJS'));
}
