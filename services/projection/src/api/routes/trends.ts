import { parseLocalDate } from '@gridgov/domain';
import { ApiError, parseOr400 } from '@gridgov/http';
import type { FastifyInstance } from 'fastify';
import type { ProjectionAppDeps } from '../deps.ts';
import { MAX_TREND_DAYS, TrendQueryParams } from '../schemas.ts';
import { authorisedArea, resolveScope } from '../scope.ts';
import { dayCount, readTrend } from '../trend.ts';

export function registerTrendRoutes(app: FastifyInstance, deps: ProjectionAppDeps): void {
  app.get('/v1/trends', async (request) => {
    const q = parseOr400(TrendQueryParams, 'query', request.query);
    authorisedArea(deps, request, resolveScope(deps, q));
    // Both parse: the schema checked them.
    const from = parseLocalDate(q.from)!;
    const to = parseLocalDate(q.to)!;
    const days = dayCount(from, to);
    if (days < 1) throw new ApiError(400, 'VALIDATION_FAILED', `query.to: ${q.to} is before from ${q.from}`);
    if (days > MAX_TREND_DAYS) {
      throw new ApiError(400, 'VALIDATION_FAILED', `query.to: at most ${MAX_TREND_DAYS} days from ${q.from}, asked for ${days}`);
    }
    return readTrend(deps.store, deps.areas, deps.partitions, { ...q, from, to });
  });
}
