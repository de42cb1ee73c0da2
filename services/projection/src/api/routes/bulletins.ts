import { ApiError, parseOr400, requestActor } from '@gridgov/http';
import type { FastifyInstance } from 'fastify';
import { monthEndsAt, parseMonth, shanghaiTimestamp } from '../bulletin.ts';
import { freezeBulletin } from '../bulletin-freeze.ts';
import type { ProjectionAppDeps } from '../deps.ts';
import { BulletinBody, BulletinPathParams, BulletinQueryParams } from '../schemas.ts';
import { authorisedArea, rankableArea, resolveScope } from '../scope.ts';

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
    const kept = await freezeBulletin(deps, area, month, now, requestActor(request).id);
    if (kept.created) request.log.info({ area: area.code, month }, 'bulletin frozen by hand');
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
