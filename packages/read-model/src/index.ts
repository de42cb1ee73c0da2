export * from './keys.ts';
export * from './schemas.ts';
export * from './errors.ts';
export * from './writer.ts';
export * from './reader.ts';
export * from './filter-index.ts';
export * from './text-index.ts';
