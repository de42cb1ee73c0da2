import { BAD_REQUEST, jsonAnswer, type ZodTypeProvider } from '@gridgov/http';
import { RankingAnswer } from '@gridgov/projection-api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ProjectionAppDeps } from '../deps.ts';
import { todayInShanghai } from '../figures.ts';
import { resolvePeriod } from '../period.ts';
import { answerKept } from '../kept-answers.ts';
import { readRanking, type RankingQuery } from '../ranking.ts';
import { RankingQueryParams, StoreAway, UnknownArea } from '../schemas.ts';
import { authorisedArea, confidentialScopeAllowed, rankableArea, resolveScope } from '../scope.ts';

/** The answer of GET /v1/rankings to this request: validated, authorised, read (its exports answer the same). */
export function answerRanking(deps: ProjectionAppDeps, request: FastifyRequest, q: RankingQueryParams): Promise<RankingAnswer> {
  return readRanking(deps.store, deps.areas, deps.partitions, rankingQuery(deps, request, q));
}

/** The question of a ranking request: authorised (or refused), its period resolved on the service's clock. */
function rankingQuery(deps: ProjectionAppDeps, request: FastifyRequest, q: RankingQueryParams): RankingQuery {
  confidentialScopeAllowed(deps, rankableArea(deps.areas, authorisedArea(deps, request, resolveScope(deps, q)), 'query'), q, true);
  return {
    area: q.area,
    category: q.category,
    department: q.department,
    bottom: q.bottom,
    period: resolvePeriod(q, 'month', () => todayInShanghai(deps.clock())),
    weights: q.weights ?? deps.rankingWeights,
  };
}

export function registerRankingRoutes(app: FastifyInstance, deps: ProjectionAppDeps): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/rankings',
    {
      schema: {
        summary: 'The children of an area ranked by composite score, the lowest marked 末位',
        description:
          'score = wClosure × 结案率 + wOnTime × 按期结案率 + wRework × (1 − 返工率). The 末位 rule: only children with ' +
          'figures (something registered, so a score) are ranked, in `rows`; the others are listed apart in `noData` ' +
          '(无数据), neither ranked nor marked. Equal scores share a rank. The `bottom` lowest scored rows are marked 末位, ' +
          'every row tied with the boundary score included; none is marked while fewer than `bottom` + 1 children are ' +
          'ranked, and never a row sharing the first rank. Monthly bulletins follow the same rule.',
        querystring: RankingQueryParams,
        response: { 200: jsonAnswer(RankingAnswer, 'The ranking, best first'), 400: BAD_REQUEST, 404: UnknownArea, 503: StoreAway },
      },
    },
    (request, reply) => {
      const query = rankingQuery(deps, request, request.query);
      return answerKept(
        reply,
        deps.answers,
        () => `rankings ${JSON.stringify(query)}`,
        RankingAnswer,
        () => readRanking(deps.store, deps.areas, deps.partitions, query),
      );
    },
  );
}
