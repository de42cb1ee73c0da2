export * from './table.ts';
export * from './authorise.ts';
