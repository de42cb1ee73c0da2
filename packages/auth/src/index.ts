export * from './claims.ts';
export * from './jwt.ts';
export * from './tokens.ts';
export * from './envelope-signature.ts';
export * from './config.ts';
export * from './dev-secrets.ts';
export * from './event-signature.ts';
