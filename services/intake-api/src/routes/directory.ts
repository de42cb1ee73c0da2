import { AreaCode } from '@gridgov/contracts';
import type { AreaTree, Catalog } from '@gridgov/domain';
import { ApiError, parseOr400, requestActor } from '@gridgov/http';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';

export const AreaParams = z.object({ code: AreaCode });

/**
 * Who the caller is and the areas they can name: what a client (the console) needs to show the right page.
 * Area names are not confidential, so any signed-in actor may walk the tree.
 */
export function registerDirectory(app: FastifyInstance, areas: AreaTree, catalog: Catalog): void {
  const brief = (code: string) => {
    const area = areas.find(code);
    return { code, name: area?.name ?? null, level: area?.level ?? null };
  };

  app.get('/v1/me', (request) => {
    const actor = requestActor(request);
    return {
      actor: {
        id: actor.id,
        role: actor.role,
        department: actor.department ?? null,
        areas: (actor.areas ?? []).map(brief),
      },
    };
  });

  /** The categories a report may name and the departments a case may go to, as this deployment configures them. */
  app.get('/v1/catalog', (request) => {
    requestActor(request);
    return {
      categories: catalog.allCategories().map((c) => ({
        code: c.code,
        name: c.name,
        defaultDepartment: c.defaultDepartment,
        confidential: c.confidential,
      })),
      departments: catalog.allDepartments().map((d) => ({ code: d.code, name: d.name })),
    };
  });

  app.get('/v1/areas/:code', (request) => {
    requestActor(request);
    const { code } = parseOr400(AreaParams, 'params', request.params);
    const area = areas.find(code);
    if (!area) throw new ApiError(404, 'AREA_NOT_FOUND', `params.code: no area ${code}`);
    return {
      code: area.code,
      name: area.name,
      level: area.level,
      path: [...areas.lineage(code)].reverse().map(brief),
      children: areas.children(code).map((c) => ({ code: c.code, name: c.name, level: c.level })),
    };
  });
}
