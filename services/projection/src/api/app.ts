import { createHttpServer } from '@gridgov/http';
import { isStoreUnavailable } from '@gridgov/redis';
import type { FastifyInstance } from 'fastify';
import type { ProjectionAppDeps } from './deps.ts';
import { registerBulletinRoutes } from './routes/bulletins.ts';
import { registerFiguresRoutes } from './routes/figures.ts';
import { registerOpenApiRoute } from './routes/openapi.ts';
import { registerRankingRoutes } from './routes/rankings.ts';
import { registerStreamRoutes } from './routes/streams.ts';
import { registerTrendRoutes } from './routes/trends.ts';

export type { ProjectionAppDeps } from './deps.ts';

/** The projection's read API: figures, rankings, trends, bulletins and live streams, from counters only. */
export function buildProjectionApp(deps: ProjectionAppDeps): FastifyInstance {
  const app = createHttpServer({
    logger: deps.logger,
    ready: deps.ready,
    // Every route reads or writes Redis only: an error that says it is away is 503 STORE_UNAVAILABLE.
    dependencyOf: (err) => (isStoreUnavailable(err) ? 'store' : undefined),
    edge: deps.edge,
    ...(deps.trustProxy ? { trustProxy: true } : {}),
    ...(deps.timeouts ? { timeouts: deps.timeouts } : {}),
    ...(deps.observability ? { observability: deps.observability } : {}),
  });
  registerFiguresRoutes(app, deps);
  registerRankingRoutes(app, deps);
  registerTrendRoutes(app, deps);
  registerBulletinRoutes(app, deps);
  registerStreamRoutes(app, deps);
  registerOpenApiRoute(app);
  return app;
}
