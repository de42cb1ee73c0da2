import { createHttpServer, type Dependency } from '@gridgov/http';
import { isKafkaUnavailable } from '@gridgov/kafka';
import { isStoreUnavailable } from '@gridgov/redis';
import type { FastifyInstance } from 'fastify';
import { NO_PHOTO_STORE, type IntakeDeps } from './deps.ts';
import { OpeningReader } from './opening-reader.ts';
import { PhotoRecords } from './photos/records.ts';
import { registerCaseLists } from './routes/case-lists.ts';
import { registerCaseRoutes } from './routes/cases.ts';
import { registerCommandRoutes } from './routes/commands.ts';
import { registerDirectory } from './routes/directory.ts';
import { registerOpenApiRoute } from './routes/openapi.ts';
import { registerPhotoRoutes } from './routes/photos.ts';
import { registerQueueCounts } from './routes/queue-counts.ts';

export type { IntakeDeps } from './deps.ts';

/** The intake's dependencies, as their client libraries' errors name them: answered 503 with the code, not 500. */
export const intakeDependencyOf = (err: unknown): Dependency | undefined =>
  isStoreUnavailable(err) ? 'store' : isKafkaUnavailable(err) ? 'kafka' : undefined;
export type { PhotoOptions } from './deps.ts';
export { PhotoStore } from './photos/store.ts';

/** The intake's API: reports and commands, the cases and their lists (from the read model), and the directory. */
export function buildIntakeApp(deps: IntakeDeps): FastifyInstance {
  const app = createHttpServer({
    logger: deps.logger,
    bodyLimit: deps.bodyLimit,
    ready: deps.ready,
    dependencyOf: intakeDependencyOf,
    edge: deps.edge,
    ...(deps.trustProxy ? { trustProxy: true } : {}),
    ...(deps.timeouts ? { timeouts: deps.timeouts } : {}),
    ...(deps.observability ? { observability: deps.observability } : {}),
  });
  const routeDeps = { ...deps, reader: new OpeningReader(deps.redis, deps.keyPrefix, deps.logger, deps.encryption.kms) };
  const photoRecords = new PhotoRecords(deps.redis, deps.keyPrefix);
  registerCommandRoutes(app, routeDeps, photoRecords);
  registerPhotoRoutes(app, routeDeps, photoRecords, deps.photos ?? NO_PHOTO_STORE);
  registerCaseRoutes(app, routeDeps);
  registerCaseLists(app, routeDeps);
  registerQueueCounts(app, routeDeps);
  registerDirectory(app, deps.areas, deps.catalog);
  registerOpenApiRoute(app);
  return app;
}
