/** What the docs generator reads of this service (test/docs): its OpenAPI document and its environment's schema. */
export { openApiDocument } from './document.ts';
export { IntakeConfig } from './config.ts';
export { open311ApiSection } from './open311/api-doc.ts';
