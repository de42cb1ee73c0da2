export * from './random.ts';
export * from './history.ts';
