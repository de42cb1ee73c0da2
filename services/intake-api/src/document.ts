import { documentOf, documentOnlyDeps } from '@gridgov/http';
import { buildIntakeApp, type IntakeDeps } from './app.ts';
import { NO_PHOTO_STORE } from './deps.ts';
import type { AdminConfig } from './routes/admin.ts';

/** The intake's OpenAPI document, as /openapi.json serves it, without Kafka, Redis or S3 (`pnpm gen-docs`). */
export const openApiDocument = () =>
  documentOf(
    buildIntakeApp(
      documentOnlyDeps<IntakeDeps>({
        photos: NO_PHOTO_STORE,
        // The admin routes are documented too: built with a body limit, nothing else of grid.config touched.
        admin: documentOnlyDeps<AdminConfig>({ importMaxBytes: 50 * 1024 * 1024 }),
      }),
    ),
  );
