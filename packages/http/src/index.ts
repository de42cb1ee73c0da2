export * from './error-codes.ts';
export * from './errors.ts';
export * from './server.ts';
export * from './edge.ts';
export * from './openapi.ts';
export * from './sse.ts';
export * from './document-only.ts';
export * from './observability.ts';
