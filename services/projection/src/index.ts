/** What the docs generator reads of this service (test/docs): its OpenAPI document and its environment's schema. */
export { openApiDocument } from './api/document.ts';
export { ProjectionConfig } from './config.ts';
