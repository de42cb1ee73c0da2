import type { Actor, DuplicateCandidate } from '@gridgov/contracts';
import { authorise, type AreaTree, type Catalog } from '@gridgov/domain';
import { openCasesNear, openNearKeys, type ReadModelReader } from '@gridgov/read-model';
import type { Redis } from '@gridgov/redis';
import { NoAnswerInTime, withinTime, type Logger } from '@gridgov/runtime';

/** How long a report waits for its proposals: past it the report goes on without any (the lookup is logged). */
export const PROPOSAL_TIMEOUT_MS = 300;

export interface DuplicateFinderDeps {
  readonly redis: Redis;
  readonly keyPrefix: string;
  readonly reader: Pick<ReadModelReader, 'views'>;
  readonly catalog: Catalog;
  readonly areas: AreaTree;
}

/** Where and what a report is: the question asked of the index. */
export interface DuplicateQuestion {
  readonly category: string;
  readonly lat: number;
  readonly lng: number;
}

const finished = new Set(['closed', 'rejected', 'merged']);

/**
 * The open cases a report at a place would be proposed as a duplicate of (重复上报, ADR 0032): of the same category,
 * within its radius, reported within its window before `now`, nearest first. None for a category without a duplicate
 * rule. A dispatcher is shown only the cases of their own areas; grid staff and citizens see every one (only the
 * brief: no reporter, the summary of a category that is not confidential).
 */
export async function findDuplicates(
  deps: DuplicateFinderDeps,
  q: DuplicateQuestion,
  now: Date,
  viewer?: Actor,
): Promise<DuplicateCandidate[]> {
  const rule = deps.catalog.duplicateRule(q.category);
  if (!rule || deps.catalog.isConfidential(q.category)) return [];
  const near = await openCasesNear(deps.redis, openNearKeys(deps.keyPrefix), {
    category: q.category,
    lat: q.lat,
    lng: q.lng,
    radiusMeters: rule.radiusMeters,
    since: now.getTime() - rule.windowHours * 3_600_000,
  });
  if (near.length === 0) return [];
  const views = await deps.reader.views(near.map((n) => n.incidentId));
  return near.flatMap((n, i) => {
    const view = views[i];
    // The index follows the views: a case the view shows over (a fold in between) is not proposed.
    if (!view || finished.has(view.status) || view.category !== q.category) return [];
    if (viewer?.role === 'dispatcher' && !authorise(viewer, 'ReadIncident', { area: view.gridCode }, deps.areas).allowed) return [];
    return [
      {
        incidentId: n.incidentId,
        category: view.category,
        distanceMeters: n.distanceMeters,
        reportedAt: new Date(n.reportedAt).toISOString(),
        status: view.status,
        gridCode: view.gridCode,
        ...(n.summary ? { summary: n.summary } : {}),
      },
    ];
  });
}

/**
 * The proposals for a report on the hot path: at most PROPOSAL_TIMEOUT_MS, or none. A slow or failed lookup never
 * fails a report: it is logged, and the report goes on without proposals (and is routed as any other).
 */
export async function proposalsFor(
  deps: DuplicateFinderDeps,
  q: DuplicateQuestion & { readonly incidentId: string },
  now: Date,
  log: Pick<Logger, 'warn'>,
  timeoutMs = PROPOSAL_TIMEOUT_MS,
): Promise<DuplicateCandidate[]> {
  try {
    const found = await withinTime(findDuplicates(deps, q, now), timeoutMs);
    // A retry of the same report finds its own first try: never a duplicate of itself.
    return found.filter((c) => c.incidentId !== q.incidentId);
  } catch (err) {
    if (err instanceof NoAnswerInTime) {
      log.warn(
        { incidentId: q.incidentId, category: q.category, timeoutMs },
        'duplicate lookup too slow: the report goes on without proposals',
      );
    } else {
      log.warn({ incidentId: q.incidentId, category: q.category, err }, 'duplicate lookup failed: the report goes on without proposals');
    }
    return [];
  }
}
