import { BAD_REQUEST, jsonAnswer, type ZodTypeProvider } from '@gridgov/http';
import { TrendAnswer } from '@gridgov/projection-api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ProjectionAppDeps } from '../deps.ts';
import { MAX_TREND_DAYS, StoreAway, TrendQueryParams, UnknownArea } from '../schemas.ts';
import { authorisedArea, confidentialScopeAllowed, resolveScope } from '../scope.ts';
import { checkedRange } from '../period.ts';
import { readTrend } from '../trend.ts';

/** The answer of GET /v1/trends to this request: validated, authorised, read (its exports answer the same). */
export function answerTrend(deps: ProjectionAppDeps, request: FastifyRequest, q: TrendQueryParams): Promise<TrendAnswer> {
  confidentialScopeAllowed(deps, authorisedArea(deps, request, resolveScope(deps, q)), q);
  return readTrend(deps.store, deps.areas, deps.partitions, { ...q, ...checkedRange(q, MAX_TREND_DAYS) });
}

export function registerTrendRoutes(app: FastifyInstance, deps: ProjectionAppDeps): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/trends',
    {
      schema: {
        summary: `One figure day by day (at most ${MAX_TREND_DAYS} days)`,
        querystring: TrendQueryParams,
        response: { 200: jsonAnswer(TrendAnswer, 'The daily series'), 400: BAD_REQUEST, 404: UnknownArea, 503: StoreAway },
      },
    },
    (request) => answerTrend(deps, request, request.query),
  );
}
