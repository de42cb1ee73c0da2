import { ApiError, BAD_REQUEST, errorAnswer, jsonAnswer, requestActor, type ZodTypeProvider } from '@gridgov/http';
import { Bulletin, FreezeAnswer } from '@gridgov/projection-api';
import type { FastifyInstance } from 'fastify';
import { monthEndsAt, parseMonth, shanghaiTimestamp } from '../bulletin.ts';
import { freezeBulletin } from '../bulletin-freeze.ts';
import type { ProjectionAppDeps } from '../deps.ts';
import { BulletinBody, BulletinPathParams, BulletinQueryParams, StoreAway, UnknownArea } from '../schemas.ts';
import { authorisedArea, rankableArea, resolveScope } from '../scope.ts';

export function registerBulletinRoutes(app: FastifyInstance, deps: ProjectionAppDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  // 月通报: freeze the month's ranking of an area's children, once the month is over in Asia/Shanghai.
  api.post(
    '/v1/bulletins/:month',
    {
      schema: {
        summary: 'Freeze the ranking of a month for an area (月通报); the first freeze wins',
        params: BulletinPathParams,
        body: BulletinBody,
        response: {
          201: jsonAnswer(FreezeAnswer, 'Frozen now'),
          200: jsonAnswer(FreezeAnswer, 'Frozen before: the kept bulletin'),
          400: BAD_REQUEST,
          404: UnknownArea,
          409: errorAnswer('The month has not ended in Asia/Shanghai (MONTH_NOT_OVER); the message says when it can be frozen'),
          503: StoreAway,
        },
      },
    },
    async (request, reply) => {
      const { month } = request.params;
      const area = rankableArea(
        deps.areas,
        authorisedArea(deps, request, resolveScope(deps, request.body, 'body'), 'FreezeBulletin'),
        'body',
      );
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
    },
  );

  api.get(
    '/v1/bulletins/:month',
    {
      schema: {
        summary: 'A frozen monthly bulletin',
        params: BulletinPathParams,
        querystring: BulletinQueryParams,
        response: {
          200: jsonAnswer(Bulletin, 'The bulletin'),
          400: BAD_REQUEST,
          404: errorAnswer('Unknown area (UNKNOWN_AREA), or no bulletin of that month (NO_BULLETIN)'),
          503: StoreAway,
        },
      },
    },
    async (request) => {
      const { month } = request.params;
      const area = authorisedArea(deps, request, resolveScope(deps, request.query));
      const bulletin = await deps.bulletins.get(area.code, month);
      if (!bulletin)
        throw new ApiError(404, 'NO_BULLETIN', `params.month: no bulletin of ${month} for area ${area.code}; POST one to freeze it`);
      return bulletin;
    },
  );
}
