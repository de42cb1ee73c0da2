/** What the docs generator reads of this service (test/docs): its environment's schema. */
export { WorkerConfig } from './config.ts';
