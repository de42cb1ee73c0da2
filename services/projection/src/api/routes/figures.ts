import { BAD_REQUEST, jsonAnswer, type ZodTypeProvider } from '@gridgov/http';
import { FiguresAnswer } from '@gridgov/projection-api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ProjectionAppDeps } from '../deps.ts';
import { type FiguresQuery, readFigures, todayInShanghai } from '../figures.ts';
import { answerKept } from '../kept-answers.ts';
import { resolvePeriod } from '../period.ts';
import { FiguresQueryParams, StoreAway, UnknownArea } from '../schemas.ts';
import { authorisedArea, confidentialScopeAllowed, resolveScope } from '../scope.ts';

/** The answer of GET /v1/figures to this request: validated, authorised, read (its exports answer the same). */
export function answerFigures(deps: ProjectionAppDeps, request: FastifyRequest, q: FiguresQueryParams): Promise<FiguresAnswer> {
  return readFigures(deps.store, deps.areas, deps.partitions, figuresQuery(deps, request, q));
}

/** The question of a figures request: authorised (or refused), its period resolved on the service's clock. */
function figuresQuery(deps: ProjectionAppDeps, request: FastifyRequest, q: FiguresQueryParams): FiguresQuery {
  confidentialScopeAllowed(deps, authorisedArea(deps, request, resolveScope(deps, q)), q);
  const period = resolvePeriod(q, 'all', () => todayInShanghai(deps.clock()));
  return { area: q.area, category: q.category, department: q.department, period };
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
    (request, reply) => {
      const query = figuresQuery(deps, request, request.query);
      return answerKept(
        reply,
        deps.answers,
        () => `figures ${JSON.stringify(query)}`,
        FiguresAnswer,
        () => readFigures(deps.store, deps.areas, deps.partitions, query),
      );
    },
  );
}
