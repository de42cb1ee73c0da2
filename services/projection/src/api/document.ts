import { documentOf, documentOnlyDeps } from '@gridgov/http';
import { buildProjectionApp, type ProjectionAppDeps } from './app.ts';

/** The projection's OpenAPI document, as /openapi.json serves it, without Redis or Kafka (`pnpm gen-docs`). */
export const openApiDocument = () => documentOf(buildProjectionApp(documentOnlyDeps<ProjectionAppDeps>()));
