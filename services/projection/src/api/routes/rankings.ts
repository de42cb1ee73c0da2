import { parseOr400 } from '@gridgov/http';
import type { RankingAnswer } from '@gridgov/projection-api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ProjectionAppDeps } from '../deps.ts';
import { todayInShanghai } from '../figures.ts';
import { resolvePeriod } from '../period.ts';
import { readRanking } from '../ranking.ts';
import { RankingQueryParams } from '../schemas.ts';
import { authorisedArea, confidentialScopeAllowed, rankableArea, resolveScope } from '../scope.ts';

/** The answer of GET /v1/rankings to this request: validated, authorised, read (its exports answer the same). */
export function answerRanking(deps: ProjectionAppDeps, request: FastifyRequest): Promise<RankingAnswer> {
  const q = parseOr400(RankingQueryParams, 'query', request.query);
  confidentialScopeAllowed(deps, rankableArea(deps.areas, authorisedArea(deps, request, resolveScope(deps, q)), 'query'), q, true);
  return readRanking(deps.store, deps.areas, deps.partitions, {
    area: q.area,
    category: q.category,
    department: q.department,
    bottom: q.bottom,
    period: resolvePeriod(q, 'month', () => todayInShanghai(deps.clock())),
    weights: q.weights ?? deps.rankingWeights,
  });
}

export function registerRankingRoutes(app: FastifyInstance, deps: ProjectionAppDeps): void {
  app.get('/v1/rankings', (request) => answerRanking(deps, request));
}
