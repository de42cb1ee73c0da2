export * from './proposal.ts';
export * from './recorded-command.ts';
export * from './replay-case.ts';
export * from './figures.ts';
export * from './engine.ts';
