export * from './boundary-check.ts';
export * from './csv.ts';
export * from './wkt.ts';
export * from './area-import.ts';
export * from './grid-locator.ts';
