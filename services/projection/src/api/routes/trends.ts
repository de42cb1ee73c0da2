import { parseOr400 } from '@gridgov/http';
import type { TrendAnswer } from '@gridgov/projection-api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ProjectionAppDeps } from '../deps.ts';
import { MAX_TREND_DAYS, TrendQueryParams } from '../schemas.ts';
import { authorisedArea, confidentialScopeAllowed, resolveScope } from '../scope.ts';
import { checkedRange } from '../period.ts';
import { readTrend } from '../trend.ts';

/** The answer of GET /v1/trends to this request: validated, authorised, read (its exports answer the same). */
export function answerTrend(deps: ProjectionAppDeps, request: FastifyRequest): Promise<TrendAnswer> {
  const q = parseOr400(TrendQueryParams, 'query', request.query);
  confidentialScopeAllowed(deps, authorisedArea(deps, request, resolveScope(deps, q)), q);
  return readTrend(deps.store, deps.areas, deps.partitions, { ...q, ...checkedRange(q, MAX_TREND_DAYS) });
}

export function registerTrendRoutes(app: FastifyInstance, deps: ProjectionAppDeps): void {
  app.get('/v1/trends', (request) => answerTrend(deps, request));
}
