import { ApiError, BAD_REQUEST, errorAnswer, jsonAnswer, type ZodTypeProvider } from '@gridgov/http';
import { Bulletin, FreezeAnswer } from '@gridgov/projection-api';
import type { FastifyInstance } from 'fastify';
import { monthEndsAt, parseMonth, shanghaiTimestamp } from '../bulletin.ts';
import type { ProjectionAppDeps } from '../deps.ts';
import { areaRef } from '../figures.ts';
import { readRanking } from '../ranking.ts';
import { BulletinBody, BulletinPathParams, BulletinQueryParams, StoreAway, UnknownArea } from '../schemas.ts';
import { authorisedArea, rankableArea, resolveScope } from '../scope.ts';

/** Rows marked 末位 in a bulletin, as in the rankings' default. */
const BULLETIN_BOTTOM = 3;

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
