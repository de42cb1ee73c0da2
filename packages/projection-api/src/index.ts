export * from './answers.ts';
export * from './labels.ts';
