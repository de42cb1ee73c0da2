import { documentOf, documentOnlyDeps } from '@gridgov/http';
import { buildNotifierApp, type NotifierAppDeps } from './app.ts';

/** The notifier's OpenAPI document, as /openapi.json serves it, without Kafka or Redis (`pnpm gen-docs`). */
export const openApiDocument = () => documentOf(buildNotifierApp(documentOnlyDeps<NotifierAppDeps>()));
