export * from './answers.ts';
export * from './labels.ts';
export * from './what-if.ts';
