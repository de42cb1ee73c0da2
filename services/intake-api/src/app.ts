import { IntakeAnswers } from '@gridgov/contracts';
import { createHttpServer, type Dependency } from '@gridgov/http';
import { isKafkaUnavailable } from '@gridgov/kafka';
import { CaseAnswers, DepartmentQueueCounts, QueueCounts } from '@gridgov/read-model';
import { isStoreUnavailable } from '@gridgov/redis';
import type { FastifyInstance } from 'fastify';
import { NO_PHOTO_STORE, type IntakeDeps } from './deps.ts';
import { LiveGridLocator } from './grid-locations.ts';
import { Open311Answers } from './open311/answers.ts';
import { registerOpen311 } from './open311/routes.ts';
import { OpeningReader } from './opening-reader.ts';
import { PhotoRecords } from './photos/records.ts';
import { registerAdminRoutes } from './routes/admin.ts';
import { registerCaseLists } from './routes/case-lists.ts';
import { registerCaseRoutes } from './routes/cases.ts';
import { registerCommandRoutes } from './routes/commands.ts';
import { registerDirectory } from './routes/directory.ts';
import { registerDuplicateRoutes } from './routes/duplicates.ts';
import { registerGeoRoutes } from './routes/geo.ts';
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
    openApi: {
      title: 'intake-api',
      description:
        'Reports (上报) and the commands on a case, answered 202 once Kafka holds them; the cases, work lists and command outcomes, read from the read side.',
      components: { ...IntakeAnswers, ...CaseAnswers, QueueCounts, DepartmentQueueCounts, ...Open311Answers },
    },
  });
  const routeDeps = { ...deps, reader: new OpeningReader(deps.redis, deps.keyPrefix, deps.logger, deps.encryption.kms) };
  const photoRecords = new PhotoRecords(deps.redis, deps.keyPrefix);
  const locator = new LiveGridLocator(deps.areas, deps.areasKey);
  // After the OpenAPI plugin (a register of its own): each route's schemas are in /openapi.json (ADR 0027).
  void app.register((api, _options, done) => {
    registerCommandRoutes(api, routeDeps, photoRecords);
    registerPhotoRoutes(api, routeDeps, photoRecords, deps.photos ?? NO_PHOTO_STORE);
    registerCaseRoutes(api, routeDeps);
    registerDuplicateRoutes(api, routeDeps);
    registerCaseLists(api, routeDeps);
    registerQueueCounts(api, routeDeps);
    registerDirectory(api, deps.areas, deps.catalog);
    registerGeoRoutes(api, deps.areas, locator);
    registerOpen311(api, { ...routeDeps, locator }, intakeDependencyOf);
    if (deps.admin) registerAdminRoutes(api, { admin: deps.admin, redis: deps.redis, keyPrefix: deps.keyPrefix, clock: deps.clock });
    done();
  });
  return app;
}
