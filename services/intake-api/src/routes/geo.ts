import { AreaLevels, withinJurisdiction, type Area, type AreaTree } from '@gridgov/domain';
import { AreaBoundary, AreaCode } from '@gridgov/contracts';
import { ApiError, BAD_REQUEST, errorAnswer, jsonAnswer, requestActor, type ZodTypeProvider } from '@gridgov/http';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { LiveGridLocator } from '../grid-locations.ts';
import { AreaParams } from './directory.ts';

const Coordinate = (name: string, limit: number) =>
  z
    .string({ error: `${name} is required, in decimal degrees (WGS84)` })
    .regex(/^[-+]?\d{1,3}(\.\d{1,15})?$/, `${name} is a decimal number of degrees, e.g. 22.52`)
    .transform(Number)
    .refine((v) => Math.abs(v) <= limit, `${name} lies between -${limit} and ${limit}`);
export const LocateQuery = z.object({
  lat: Coordinate('lat', 90).describe('Latitude, WGS84 decimal degrees (e.g. 22.52)'),
  lng: Coordinate('lng', 180).describe('Longitude, WGS84 decimal degrees (e.g. 113.03)'),
});
export const BoundariesQuery = z.object({
  level: z
    .enum(AreaLevels, { error: `level is one of ${AreaLevels.join(', ')}` })
    .optional()
    .describe("Which areas: every one of this level below the area (default: the area's children)"),
});

const AreaBrief = z.object({ code: AreaCode, name: z.string(), level: z.enum(AreaLevels) });
/** GET /v1/grids/locate: the grid holding the position, with its path from the top. */
export const GridLocated = z.object({
  code: AreaCode.describe("The grid's code"),
  name: z.string(),
  path: z.array(AreaBrief).describe('From the root of the tree down to the grid'),
});
/** GET /v1/areas/{code}/boundaries: a GeoJSON FeatureCollection (RFC 7946), one feature per area. */
export const AreaBoundaries = z.object({
  type: z.literal('FeatureCollection'),
  features: z.array(
    z.object({
      type: z.literal('Feature'),
      id: AreaCode,
      properties: z.object({ code: AreaCode, name: z.string(), level: z.enum(AreaLevels), parent: AreaCode.nullable() }),
      geometry: AreaBoundary.nullable().describe('null for an area without a boundary'),
    }),
  ),
});

/**
 * Where areas lie (ADR 0025): the grid holding a position (the phone's "use my position"), and the boundaries under
 * an area as GeoJSON (the leader's map). Boundaries come from the area tree in force (live, ADR 0024); a grid without
 * one is never located.
 */
export function registerGeoRoutes(app: FastifyInstance, areas: AreaTree, locator: Pick<LiveGridLocator, 'locate'>): void {
  const brief = ({ code, name, level }: Area) => ({ code, name, level });

  const api = app.withTypeProvider<ZodTypeProvider>();
  const locateSchema = {
    summary: 'The grid holding a position (the phone\'s "use my position"), by the boundaries of the area tree in force',
    querystring: LocateQuery,
    response: {
      200: jsonAnswer(GridLocated, 'The grid'),
      400: BAD_REQUEST,
      404: errorAnswer('No grid holds the position (NO_GRID_HERE)'),
    },
  };
  api.get('/v1/grids/locate', { schema: locateSchema }, (request) => {
    requestActor(request);
    const { lat, lng } = request.query;
    const code = locator.locate(lng, lat);
    // The tree may have changed between the two reads: a grid no longer in it is not answered.
    const grid = code === undefined ? undefined : areas.find(code);
    if (code === undefined || !grid) throw new ApiError(404, 'NO_GRID_HERE', `no grid holds lat ${lat}, lng ${lng}`);
    return { code, name: grid.name, path: [...areas.lineage(code)].reverse().map((c) => brief(areas.get(c))) };
  });

  const boundariesSchema = {
    summary: "The boundaries of an area's children (or of every area of a level below it), as GeoJSON",
    params: AreaParams,
    querystring: BoundariesQuery,
    response: {
      200: { description: 'The areas as a FeatureCollection', content: { 'application/geo+json': { schema: AreaBoundaries } } },
      400: BAD_REQUEST,
      404: errorAnswer('No such area (AREA_NOT_FOUND)'),
    },
  };
  api.get('/v1/areas/:code/boundaries', { schema: boundariesSchema }, (request, reply) => {
    const actor = requestActor(request);
    const { code } = request.params;
    const { level } = request.query;
    const area = areas.find(code);
    if (!area) throw new ApiError(404, 'AREA_NOT_FOUND', `params.code: no area ${code}`);
    if (!withinJurisdiction(actor, code, areas)) {
      throw new ApiError(
        403,
        'OUT_OF_JURISDICTION',
        `${actor.role} ${actor.id} may not read the boundaries of ${code}: it is outside their areas`,
      );
    }
    const depth = AreaLevels.indexOf(level ?? AreaLevels[AreaLevels.indexOf(area.level) + 1] ?? area.level);
    if (depth <= AreaLevels.indexOf(area.level)) {
      throw new ApiError(
        400,
        'VALIDATION_FAILED',
        `query.level: ${level ?? 'a grid'} has no areas below it; name a level under ${area.level}`,
      );
    }
    let layer: readonly Area[] = [area];
    for (let d = AreaLevels.indexOf(area.level); d < depth; d++) layer = layer.flatMap((a) => areas.children(a.code));
    void reply.type('application/geo+json');
    return {
      type: 'FeatureCollection' as const,
      features: layer.map((a) => ({
        type: 'Feature' as const,
        id: a.code,
        properties: { code: a.code, name: a.name, level: a.level, parent: a.parent },
        geometry: a.boundary ?? null,
      })),
    };
  });
}
