import { authorise, type Action, type Area, type AreaTree, type Catalog } from '@gridgov/domain';
import { ApiError, requestActor } from '@gridgov/http';
import type { FastifyRequest } from 'fastify';

export interface ScopeInput {
  readonly area: string;
  readonly category?: string | undefined;
  readonly department?: string | undefined;
}

/** The area of a query and its optional category and department (either, both or neither), each known; else 404/400 naming the field. */
export function resolveScope(
  deps: { readonly areas: AreaTree; readonly catalog: Catalog },
  q: ScopeInput,
  where: 'query' | 'body' = 'query',
): Area {
  const area = deps.areas.find(q.area);
  if (!area) throw new ApiError(404, 'UNKNOWN_AREA', `${where}.area: no area ${q.area}`);
  if (q.category && !deps.catalog.category(q.category))
    throw new ApiError(400, 'UNKNOWN_CATEGORY', `${where}.category: no category ${q.category}`);
  if (q.department && !deps.catalog.department(q.department)) {
    throw new ApiError(400, 'UNKNOWN_DEPARTMENT', `${where}.department: no department ${q.department}`);
  }
  return area;
}

/** An area that has children to rank; a grid has none. */
export function rankableArea(areas: AreaTree, area: Area, where: 'query' | 'body'): Area {
  if (areas.children(area.code).length === 0) {
    throw new ApiError(400, 'NOTHING_TO_RANK', `${where}.area: ${area.level} ${area.code} has no children to rank`);
  }
  return area;
}

/**
 * The caller may read (or freeze) what concerns `area`: a leader, dispatcher or admin whose areas hold it
 * (a town's leader cannot read the neighbouring town, nor the district above); 403 naming what is not allowed.
 */
export function authorisedArea(
  deps: { readonly areas: AreaTree },
  request: FastifyRequest,
  area: Area,
  action: Extract<Action, 'ReadFigures' | 'FreezeBulletin'> = 'ReadFigures',
): Area {
  const decision = authorise(requestActor(request), action, { area: area.code }, deps.areas);
  if (!decision.allowed) throw new ApiError(403, decision.code, decision.message);
  return area;
}

/**
 * 举报人保护: a confidential category's figures are given for a community or above, never per grid (a grid is one staff
 * member's, so its count of leads points at its reporter). `ranked`: the answer is the area's children (rankings), so
 * an area whose children are grids is refused too. 403 CONFIDENTIAL_BELOW_COMMUNITY, naming the level.
 */
export function confidentialScopeAllowed(
  deps: { readonly areas: AreaTree; readonly catalog: Catalog },
  area: Area,
  q: { readonly category?: string | undefined },
  ranked = false,
): Area {
  if (q.category === undefined || !deps.catalog.isConfidential(q.category)) return area;
  const perGrid = area.level === 'grid' || (ranked && deps.areas.children(area.code).some((c) => c.level === 'grid'));
  if (perGrid) {
    throw new ApiError(
      403,
      'CONFIDENTIAL_BELOW_COMMUNITY',
      `query.category: ${q.category} is confidential; its figures are given for a community or above, not ${ranked ? 'ranked by grid' : 'for a grid'}`,
    );
  }
  return area;
}
