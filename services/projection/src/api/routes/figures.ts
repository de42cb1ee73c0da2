import { BAD_REQUEST, jsonAnswer, type ZodTypeProvider } from '@gridgov/http';
import { FiguresAnswer } from '@gridgov/projection-api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ProjectionAppDeps } from '../deps.ts';
import { readFigures, todayInShanghai } from '../figures.ts';
import { resolvePeriod } from '../period.ts';
import { FiguresQueryParams, StoreAway, UnknownArea } from '../schemas.ts';
import { authorisedArea, confidentialScopeAllowed, resolveScope } from '../scope.ts';

/** The answer of GET /v1/figures to this request: validated, authorised, read (its exports answer the same). */
export function answerFigures(deps: ProjectionAppDeps, request: FastifyRequest, q: FiguresQueryParams): Promise<FiguresAnswer> {
  confidentialScopeAllowed(deps, authorisedArea(deps, request, resolveScope(deps, q)), q);
  const period = resolvePeriod(q, 'all', () => todayInShanghai(deps.clock()));
  return readFigures(deps.store, deps.areas, deps.partitions, { area: q.area, category: q.category, department: q.department, period });
}

export function registerFiguresRoutes(app: FastifyInstance, deps: ProjectionAppDeps): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/figures',
    {
      schema: {
        summary: 'Figures of an area in a window of report time',
        querystring: FiguresQueryParams,
        response: { 200: jsonAnswer(FiguresAnswer, 'The figures'), 400: BAD_REQUEST, 404: UnknownArea, 503: StoreAway },
      },
    },
    (request) => answerFigures(deps, request, request.query),
  );
}
