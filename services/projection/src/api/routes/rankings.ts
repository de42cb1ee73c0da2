import { parseOr400 } from '@gridgov/http';
import type { FastifyInstance } from 'fastify';
import type { ProjectionAppDeps } from '../deps.ts';
import { todayInShanghai } from '../figures.ts';
import { resolvePeriod } from '../period.ts';
import { readRanking } from '../ranking.ts';
import { RankingQueryParams } from '../schemas.ts';
import { authorisedArea, confidentialScopeAllowed, rankableArea, resolveScope } from '../scope.ts';

export function registerRankingRoutes(app: FastifyInstance, deps: ProjectionAppDeps): void {
  app.get('/v1/rankings', async (request) => {
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
  });
}
