import { parseOr400 } from '@gridgov/http';
import type { FiguresAnswer } from '@gridgov/projection-api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ProjectionAppDeps } from '../deps.ts';
import { readFigures, todayInShanghai } from '../figures.ts';
import { resolvePeriod } from '../period.ts';
import { FiguresQueryParams } from '../schemas.ts';
import { authorisedArea, confidentialScopeAllowed, resolveScope } from '../scope.ts';

/** The answer of GET /v1/figures to this request: validated, authorised, read (its exports answer the same). */
export function answerFigures(deps: ProjectionAppDeps, request: FastifyRequest): Promise<FiguresAnswer> {
  const q = parseOr400(FiguresQueryParams, 'query', request.query);
  confidentialScopeAllowed(deps, authorisedArea(deps, request, resolveScope(deps, q)), q);
  const period = resolvePeriod(q, 'all', () => todayInShanghai(deps.clock()));
  return readFigures(deps.store, deps.areas, deps.partitions, { area: q.area, category: q.category, department: q.department, period });
}

export function registerFiguresRoutes(app: FastifyInstance, deps: ProjectionAppDeps): void {
  app.get('/v1/figures', (request) => answerFigures(deps, request));
}
