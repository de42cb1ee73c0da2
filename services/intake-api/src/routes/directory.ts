import { AreaCode, AreaDetail, CatalogAnswer, Me } from '@gridgov/contracts';
import type { AreaTree, Catalog } from '@gridgov/domain';
import { ApiError, BAD_REQUEST, jsonAnswer, requestActor, type ZodTypeProvider } from '@gridgov/http';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { NoSuchArea } from '../schemas.ts';

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

  const api = app.withTypeProvider<ZodTypeProvider>();
  const meSchema = { summary: 'Who the token says the caller is', response: { 200: jsonAnswer(Me, 'The caller') } };
  api.get('/v1/me', { schema: meSchema }, (request) => {
    const actor = requestActor(request);
    const { role } = actor;
    // A bearer token names a person's role (ADR 0017): the system actor (the worker's) never calls an API.
    if (role === 'system') throw new ApiError(403, 'FORBIDDEN_ROLE', 'the system actor is no caller of this API');
    return {
      actor: {
        id: actor.id,
        role,
        department: actor.department ?? null,
        areas: (actor.areas ?? []).map(brief),
      },
    };
  });

  /** The categories a report may name and the departments a case may go to, as this deployment configures them. */
  const catalogSchema = {
    summary: "The deployment's categories and departments",
    response: { 200: jsonAnswer(CatalogAnswer, 'The catalog') },
  };
  api.get('/v1/catalog', { schema: catalogSchema }, (request) => {
    requestActor(request);
    return {
      categories: catalog.allCategories().map((c) => ({
        code: c.code,
        name: c.name,
        defaultDepartment: c.defaultDepartment,
        confidential: c.confidential,
        ...(c.duplicates ? { duplicates: { radiusMeters: c.duplicates.radiusMeters, windowHours: c.duplicates.windowHours } } : {}),
      })),
      departments: catalog.allDepartments().map((d) => ({ code: d.code, name: d.name })),
    };
  });

  const areaSchema = {
    summary: 'An area with its path from the top and its children',
    params: AreaParams,
    response: { 200: jsonAnswer(AreaDetail, 'The area'), 400: BAD_REQUEST, 404: NoSuchArea },
  };
  api.get('/v1/areas/:code', { schema: areaSchema }, (request) => {
    requestActor(request);
    const { code } = request.params;
    const area = areas.find(code);
    if (!area) throw new ApiError(404, 'AREA_NOT_FOUND', `params.code: no area ${code}`);
    return {
      code: area.code,
      name: area.name,
      level: area.level,
      path: [...areas.lineage(code)].reverse().map((c) => {
        const { name, level } = areas.get(c);
        return { code: c, name, level };
      }),
      children: areas.children(code).map((c) => ({ code: c.code, name: c.name, level: c.level })),
    };
  });
}
