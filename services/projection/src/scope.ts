import type { Area, AreaTree, Catalog } from '@gridgov/domain';
import { ApiError } from '@gridgov/http';

export interface ScopeInput {
  readonly area: string;
  readonly category?: string | undefined;
  readonly department?: string | undefined;
}

/** The area of a query and its optional category or department, each known; else 404/400 naming the field. */
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
  if (q.category && q.department) throw new ApiError(400, 'SCOPE_TOO_NARROW', `${where}: give category or department, not both`);
  return area;
}

/** An area that has children to rank; a grid has none. */
export function rankableArea(areas: AreaTree, area: Area, where: 'query' | 'body'): Area {
  if (areas.children(area.code).length === 0) {
    throw new ApiError(400, 'NOTHING_TO_RANK', `${where}.area: ${area.level} ${area.code} has no children to rank`);
  }
  return area;
}
