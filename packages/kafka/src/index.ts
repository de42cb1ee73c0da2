export * from './client.ts';
export * from './producer.ts';
export * from './consumer.ts';
export * from './admin.ts';
export * from './dead-letter.ts';
export * from './group-commit.ts';
export * from './unavailable.ts';
export * from './probe.ts';
