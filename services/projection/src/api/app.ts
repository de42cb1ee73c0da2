import { createHttpServer } from '@gridgov/http';
import { ProjectionAnswers } from '@gridgov/projection-api';
import { isStoreUnavailable } from '@gridgov/redis';
import type { FastifyInstance } from 'fastify';
import type { ProjectionAppDeps } from './deps.ts';
import { ChromiumPdfPrinter } from './pdf-printer.ts';
import { registerBulletinDocumentRoutes } from './routes/bulletin-documents.ts';
import { registerBulletinRoutes } from './routes/bulletins.ts';
import { registerExportRoutes } from './routes/exports.ts';
import { registerFiguresRoutes } from './routes/figures.ts';
import { registerRankingRoutes } from './routes/rankings.ts';
import { registerStreamRoutes } from './routes/streams.ts';
import { registerTrendRoutes } from './routes/trends.ts';
import { registerWhatIfRoutes } from './routes/what-if.ts';

export type { ProjectionAppDeps } from './deps.ts';

/** Debian's Chromium, where CHROMIUM_PATH points by default. */
const DEFAULT_CHROMIUM = '/usr/bin/chromium';

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
    openApi: {
      title: 'projection',
      description:
        'Figures leaders ask for (考核), rankings, trends, monthly bulletins (月通报) and live figures, read from counters only.',
      components: ProjectionAnswers,
    },
  });
  const printer = deps.pdf ?? new ChromiumPdfPrinter(DEFAULT_CHROMIUM, deps.logger);
  app.addHook('onClose', () => printer.close());
  // After the OpenAPI plugin (a register of its own): each route's schemas are in /openapi.json (ADR 0027).
  void app.register((api, _options, done) => {
    registerFiguresRoutes(api, deps);
    registerRankingRoutes(api, deps);
    registerTrendRoutes(api, deps);
    registerExportRoutes(api, deps);
    registerBulletinRoutes(api, deps);
    registerBulletinDocumentRoutes(api, deps, printer);
    registerStreamRoutes(api, deps);
    registerWhatIfRoutes(api, deps);
    done();
  });
  return app;
}
