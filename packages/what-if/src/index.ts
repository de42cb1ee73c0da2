export * from './proposal.ts';
export * from './recorded-command.ts';
export * from './replay-case.ts';
export * from './figures.ts';
export * from './engine.ts';
export * from './read-events.ts';
export * from './run.ts';
export * from './report-text.ts';
