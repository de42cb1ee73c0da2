import { documentOf, documentOnlyDeps } from '@gridgov/http';
import { buildIntakeApp, type IntakeDeps } from './app.ts';
import { NO_PHOTO_STORE } from './deps.ts';

/** The intake's OpenAPI document, as /openapi.json serves it, without Kafka, Redis or S3 (`pnpm gen-docs`). */
export const openApiDocument = () => documentOf(buildIntakeApp(documentOnlyDeps<IntakeDeps>({ photos: NO_PHOTO_STORE })));
