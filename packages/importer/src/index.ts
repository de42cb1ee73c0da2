export * from './mapping.ts';
export * from './dates.ts';
export * from './rows.ts';
export * from './ids.ts';
export * from './sources.ts';
export * from './import.ts';
export * from './summary.ts';
export * from './legacy-file.ts';
