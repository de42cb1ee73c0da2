export * from './infra.ts';
export * from './containers.ts';
export * from './processes.ts';
