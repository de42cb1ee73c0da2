export * from './infra.ts';
export * from './containers.ts';
export * from './processes.ts';
export * from './topic-reader.ts';
export * from './decision-context.ts';
export * from './auth.ts';
export * from './fuzz.ts';
export * from './own-redis.ts';
