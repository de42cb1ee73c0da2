// Field-level encryption of personal data in events, keys per case, keyed pseudonyms (ADR 0016).
export * from './sealed.ts';
export * from './kms.ts';
export * from './pseudonym.ts';
export * from './event-seal.ts';
export * from './case-keys.ts';
