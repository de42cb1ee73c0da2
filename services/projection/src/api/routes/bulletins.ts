import { ApiError, parseOr400 } from '@gridgov/http';
import type { FastifyInstance } from 'fastify';
import { type Bulletin, monthEndsAt, parseMonth, shanghaiTimestamp } from '../bulletin.ts';
import type { ProjectionAppDeps } from '../deps.ts';
import { areaRef } from '../figures.ts';
import { readRanking } from '../ranking.ts';
import { BulletinBody, BulletinPathParams, BulletinQueryParams } from '../schemas.ts';
import { authorisedArea, rankableArea, resolveScope } from '../scope.ts';

/** Rows marked 末位 in a bulletin, as in the rankings' default. */
const BULLETIN_BOTTOM = 3;

export function registerBulletinRoutes(app: FastifyInstance, deps: ProjectionAppDeps): void {
  // 月通报: freeze the month's ranking of an area's children, once the month is over in Asia/Shanghai.
  app.post('/v1/bulletins/:month', async (request, reply) => {
    const { month } = parseOr400(BulletinPathParams, 'params', request.params);
    const body = parseOr400(BulletinBody, 'body', request.body ?? {});
    const area = rankableArea(deps.areas, authorisedArea(deps, request, resolveScope(deps, body, 'body'), 'FreezeBulletin'), 'body');
    const now = deps.clock();
    const endsAt = monthEndsAt(parseMonth(month));
    if (now < endsAt) {
      throw new ApiError(
        409,
        'MONTH_NOT_OVER',
        `params.month: ${month} has not ended in Asia/Shanghai; it can be frozen from ${shanghaiTimestamp(endsAt)}`,
        { canFreezeFrom: endsAt.toISOString() },
      );
    }
    const existing = await deps.bulletins.get(area.code, month);
    if (existing) return reply.status(200).send({ created: false, bulletin: existing });
    const ranking = await readRanking(deps.store, deps.areas, deps.partitions, {
      area: area.code,
      period: { kind: 'window', window: 'month', at: { ...parseMonth(month), day: 1 } },
      weights: deps.rankingWeights,
      bottom: BULLETIN_BOTTOM,
    });
    const bulletin: Bulletin = { month, area: areaRef(area), frozenAt: now.toISOString(), ranking };
    const kept = await deps.bulletins.freeze(bulletin);
    return reply.status(kept.created ? 201 : 200).send(kept);
  });

  app.get('/v1/bulletins/:month', async (request) => {
    const { month } = parseOr400(BulletinPathParams, 'params', request.params);
    const q = parseOr400(BulletinQueryParams, 'query', request.query);
    const area = authorisedArea(deps, request, resolveScope(deps, q));
    const bulletin = await deps.bulletins.get(area.code, month);
    if (!bulletin)
      throw new ApiError(404, 'NO_BULLETIN', `params.month: no bulletin of ${month} for area ${area.code}; POST one to freeze it`);
    return bulletin;
  });
}
