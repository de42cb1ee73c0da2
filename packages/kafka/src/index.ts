// The project's Kafka client: everything else reaches Kafka through these, never through the client
// library underneath (kafkajs; ADR 0012). Lint forbids importing it outside this package.
export { createKafka, KafkaClient, kafkaSaslFromEnv, type KafkaOptions, type KafkaSasl } from './client.ts';
export * from './acls.ts';
export * from './producer.ts';
export * from './consumer.ts';
export * from './reader.ts';
export * from './admin.ts';
export * from './dead-letter.ts';
export * from './group-commit.ts';
export * from './range-reader.ts';
export * from './unavailable.ts';
export * from './probe.ts';
export * from './group-squatter.ts';
export * from './decode.ts';
export { headersOf, murmur2, partitionerFor, partitionOf } from './partition.ts';
export * from './raw-producer.ts';
