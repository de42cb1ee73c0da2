import { AreaCode, DepartmentCode, type Actor } from '@gridgov/contracts';
import { authorise, CASE_QUEUES, DEPARTMENT_QUEUES } from '@gridgov/domain';
import { ApiError, BAD_REQUEST, jsonAnswer, requestActor, type ZodTypeProvider } from '@gridgov/http';
import { DepartmentQueueCounts, QueueCounts } from '@gridgov/read-model';
import { soleArea } from './case-lists.ts';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { RouteDeps } from '../deps.ts';
import { NoSuchArea, StoreAway } from '../schemas.ts';

export type QueueCountDeps = Pick<RouteDeps, 'reader' | 'areas' | 'readSide'>;

export const CountsQuery = z
  .object({
    area: AreaCode.optional().describe("The area (with department: the department's lists in it; default the caller's one area)"),
    department: DepartmentCode.optional().describe("A department's work lists (DEPARTMENT_QUEUES) rather than the area's"),
  })
  .refine((q) => q.area !== undefined || q.department !== undefined, { message: 'query.area: required (or department)', path: ['area'] });

/**
 * The true count of every work list of an area, for those who may read its lists (dispatchers and leaders of it): the
 * size of each list's sorted set, kept by the read side's writer beside the lists (ADR 0014), never a scan.
 */
export function registerQueueCounts(app: FastifyInstance, deps: QueueCountDeps): void {
  const schema = {
    summary:
      "How many cases each work list of an area holds (dispatchers and leaders of the area), or with department= each of a department's lists in an area (its handlers; dispatchers and leaders of the area)",
    description:
      "Every queue's true count, kept beside the lists by the read side (the size of each list's sorted set, ADR 0014, 0023): exact as cases move between queues, after a crash and after a restore.",
    querystring: CountsQuery,
    response: {
      200: jsonAnswer(z.union([QueueCounts, DepartmentQueueCounts]), "The count of each queue (of the department's, with department)"),
      400: BAD_REQUEST,
      404: NoSuchArea,
      503: StoreAway,
    },
  };
  app
    .withTypeProvider<ZodTypeProvider>()
    .get('/v1/incidents/counts', { schema }, async (request): Promise<QueueCounts | DepartmentQueueCounts> => {
      const actor: Actor = requestActor(request);
      const query = request.query;
      if (query.department !== undefined) {
        const { department } = query;
        const area = query.area ?? soleArea(actor, deps.areas, 'area');
        if (!deps.areas.has(area)) throw new ApiError(404, 'AREA_NOT_FOUND', `query.area: no area ${area}`);
        const decision = authorise(actor, 'ListDepartmentIncidents', { area, department }, deps.areas);
        if (!decision.allowed) throw new ApiError(403, decision.code, decision.message);
        await deps.readSide.assertWhole();
        return { area, department, counts: await deps.reader.departmentQueueCounts(area, department, DEPARTMENT_QUEUES) };
      }
      const area = query.area!;
      if (!deps.areas.has(area)) throw new ApiError(404, 'AREA_NOT_FOUND', `query.area: no area ${area}`);
      const decision = authorise(actor, 'ListIncidents', { area }, deps.areas);
      if (!decision.allowed) throw new ApiError(403, decision.code, decision.message);
      await deps.readSide.assertWhole();
      return { area, counts: await deps.reader.queueCounts(area, CASE_QUEUES) };
    });
}
