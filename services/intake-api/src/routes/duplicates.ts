import { DuplicateCandidates } from '@gridgov/contracts';
import { ApiError, BAD_REQUEST, jsonAnswer, requestActor, type ZodTypeProvider } from '@gridgov/http';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { RouteDeps } from '../deps.ts';
import { findDuplicates } from '../duplicates.ts';
import { StoreAway } from '../schemas.ts';

export const DuplicatesQuery = z.object({
  category: z.string().min(1).max(64).describe('A category of the catalog'),
  lat: z.coerce.number().min(-90).max(90),
  lng: z.coerce.number().min(-180).max(180),
});

/**
 * GET /v1/duplicates: the open cases a report of a category at a place would be proposed as a duplicate of (重复上报,
 * ADR 0032), for the phone's form before sending ("已有相同问题 …, 仍要上报?") and for dispatchers.
 */
export function registerDuplicateRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get(
    '/v1/duplicates',
    {
      schema: {
        summary: 'Open cases of a category near a place, within its duplicate radius and window, nearest first (grid staff, dispatchers)',
        querystring: DuplicatesQuery,
        response: {
          200: jsonAnswer(DuplicateCandidates, 'The candidates; none for a category without a duplicate rule'),
          400: BAD_REQUEST,
          503: StoreAway,
        },
      },
    },
    async (request) => {
      const actor = requestActor(request);
      if (actor.role !== 'grid_staff' && actor.role !== 'dispatcher')
        throw new ApiError(403, 'FORBIDDEN_ROLE', `${actor.role} ${actor.id} may not look up duplicates: grid staff and dispatchers do`);
      const { category, lat, lng } = request.query;
      if (!deps.catalog.category(category))
        throw new ApiError(400, 'UNKNOWN_CATEGORY', `query.category: ${category} is not in the catalog`);
      await deps.readSide.assertWhole();
      return { candidates: await findDuplicates(deps, { category, lat, lng }, await deps.clock(), actor) };
    },
  );
}
