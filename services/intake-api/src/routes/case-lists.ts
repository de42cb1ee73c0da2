import { AreaCode, CategoryCode, DepartmentCode, Instant, Urgency, type Actor } from '@gridgov/contracts';
import {
  authorise,
  CASE_QUEUES,
  caseQueues,
  DEPARTMENT_QUEUES,
  visibleIncident,
  type AreaTree,
  type CaseQueue,
  type DepartmentQueue,
} from '@gridgov/domain';
import { ApiError, BAD_REQUEST, jsonAnswer, requestActor, type ZodTypeProvider } from '@gridgov/http';
import {
  CasePage as CasePageAnswer,
  SORT_KEYS,
  textQuery,
  viewMeetsFilter,
  type CaseFilter,
  type CaseFlag,
  type CaseList,
  type CasePage,
  type IncidentView,
  type SortKey,
} from '@gridgov/read-model';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { RouteDeps } from '../deps.ts';
import { NoSuchArea, StoreAway } from '../schemas.ts';

export type CaseListDeps = Pick<RouteDeps, 'reader' | 'areas' | 'catalog' | 'readSide' | 'encryption'>;

export const ListQuery = z
  .object({
    area: AreaCode.optional(),
    queue: z
      .enum([...CASE_QUEUES, ...DEPARTMENT_QUEUES.filter((q) => !(CASE_QUEUES as readonly string[]).includes(q))])
      .optional()
      .describe(
        `An area's work list (with area): ${CASE_QUEUES.join(', ')}; or a department's (with department and no area): ${DEPARTMENT_QUEUES.join(', ')}`,
      ),
    mine: z.literal('true').optional(),
    sort: z
      .enum(SORT_KEYS)
      .optional()
      .describe(
        'Order of a work list (ADR 0014): reportedAt (oldest report first, the default), deadline (soonest deadline first, cases without one last) or escalation (highest 督办 level first, then oldest report); ties by incident id',
      ),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(200).optional(),
    category: CategoryCode.optional().describe('Only cases of this category'),
    urgency: Urgency.optional().describe('Only cases of this urgency'),
    subArea: AreaCode.optional().describe("Only cases in this grid or area (for a work list: the list's area or one under it)"),
    department: DepartmentCode.optional().describe(
      "With area: only cases with this department now. Without area: the department's own work list (queue), within the caller's area or subArea",
    ),
    from: Instant.optional().describe('Only cases reported at or after this instant'),
    to: Instant.optional().describe('Only cases reported at or before this instant'),
    overdue: z.literal('true').optional().describe('Only cases with a deadline missed (超期)'),
    escalated: z.literal('true').optional().describe('Only cases escalated (督办) at least once'),
    q: z
      .string()
      .max(100)
      .refine((q) => textQuery(q) !== undefined, { message: 'at least two letters or digits together' })
      .optional()
      .describe(
        'Text the description or address must hold: every word of it (split at spaces and punctuation), as written, Chinese included; cases of a confidential category are never found by text',
      ),
  })
  .refine((q) => q.from === undefined || q.to === undefined || Date.parse(q.from) <= Date.parse(q.to), {
    message: 'from is after to',
    path: ['from'],
  })
  .refine(
    (q) =>
      q.mine
        ? q.area === undefined && q.queue === undefined
        : q.queue !== undefined && (q.area !== undefined || q.department !== undefined),
    { message: "either area and queue (a work list), department and queue (a department's work list), or mine=true (your own reports)" },
  )
  .refine((q) => q.mine || q.area === undefined || (CASE_QUEUES as readonly string[]).includes(q.queue ?? ''), {
    message: `query.queue: an area's work list is one of ${CASE_QUEUES.join(', ')}`,
    path: ['queue'],
  })
  .refine(
    (q) => q.mine || q.area !== undefined || q.department === undefined || (DEPARTMENT_QUEUES as readonly string[]).includes(q.queue ?? ''),
    { message: `query.queue: a department's work list is one of ${DEPARTMENT_QUEUES.join(', ')}`, path: ['queue'] },
  )
  .refine((q) => q.area !== undefined || q.department === undefined || q.sort === undefined || q.sort === 'reportedAt', {
    message: "query.sort: a department's work list is read in report-time order only",
    path: ['sort'],
  })
  .refine((q) => !(q.mine && q.sort), { message: 'query.sort: only for a work list (mine=true is newest report first)' });

/**
 * Where a page ended: the last case's score and id (ties on score are ordered by id, as Redis orders them), and the
 * order it was read in (none: report time), so a cursor of one order is refused in another.
 */
const Cursor = z.union([z.tuple([z.number().int(), z.uuid()]), z.tuple([z.number().int(), z.uuid(), z.enum(SORT_KEYS)])]);
type Cursor = z.infer<typeof Cursor>;

const encodeCursor = (score: number, incidentId: string, sort: SortKey | undefined) =>
  Buffer.from(JSON.stringify(sort && sort !== 'reportedAt' ? [score, incidentId, sort] : [score, incidentId])).toString('base64url');
function decodeCursor(raw: string, sort: SortKey | undefined): Cursor {
  let cursor: Cursor;
  try {
    cursor = Cursor.parse(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')));
  } catch {
    throw new ApiError(400, 'BAD_CURSOR', 'query.cursor: not a cursor this API gave out');
  }
  if ((cursor[2] ?? 'reportedAt') !== (sort ?? 'reportedAt'))
    throw new ApiError(400, 'BAD_CURSOR', `query.cursor: given out for sort=${cursor[2] ?? 'reportedAt'}, not for this sort`);
  return cursor;
}

/**
 * GET /v1/incidents: the work lists of an area (dispatchers and leaders of it) and a person's own reports.
 * The lists are kept by the read side's projector after each case view (ADR 0008); each case is read from its view and
 * shown only while the view still puts it on the list asked for, and only as much as the viewer may see.
 */
export function registerCaseLists(app: FastifyInstance, deps: CaseListDeps): void {
  const schema = {
    summary:
      "A work list of an area (area and queue), a department's work list (department and queue, no area: ADR 0023), or the caller's own reports (mine=true)",
    description:
      'Work lists in the order sort names (oldest report first by default), mine newest first; pass nextCursor as cursor for the next page, with the same sort (ADR 0008, 0014). ' +
      'Filters narrow either list, each one more condition (AND): category, urgency, subArea, department, report time from/to, ' +
      'overdue, escalated, and q, text the description or address holds; they are answered from indexes (ADR 0015) and never ' +
      'show a case the list would not show; cases of a confidential category are never found by text.',
    querystring: ListQuery,
    response: { 200: jsonAnswer(CasePageAnswer, 'A page of cases'), 400: BAD_REQUEST, 404: NoSuchArea, 503: StoreAway },
  };
  app.withTypeProvider<ZodTypeProvider>().get('/v1/incidents', { schema }, async (request): Promise<CasePage> => {
    const actor: Actor = requestActor(request);
    const query = request.query;
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, query.sort);
    const { department: _department, ...withoutDepartment } = caseFilter(query);
    // A department's list is the department's already: its code is not a filter there.
    const filter: CaseFilter = query.area === undefined && !query.mine ? withoutDepartment : caseFilter(query);
    let list: CaseList;
    let keep: (view: IncidentView) => boolean;
    if (query.subArea !== undefined && !deps.areas.has(query.subArea)) {
      throw new ApiError(404, 'AREA_NOT_FOUND', `query.subArea: no area ${query.subArea}`);
    }
    if (query.mine) {
      // Kept under the reporter's pseudonym (ADR 0016): the read side never learns who reported.
      list = { reporterId: deps.encryption.pseudonyms.person(actor.id) };
      keep = (view) => view.reporterId === actor.id;
    } else if (query.area === undefined) {
      // A department's work list: the area is the one asked for (subArea) or the caller's own.
      const department = query.department!;
      const queue = query.queue as DepartmentQueue;
      const area = query.subArea ?? soleArea(actor, deps.areas, 'subArea');
      const decision = authorise(actor, 'ListDepartmentIncidents', { area, department }, deps.areas);
      if (!decision.allowed) throw new ApiError(403, decision.code, decision.message);
      list = { area, department, queue };
      // Shown only while the case is still with the department and, as far as its view tells, on the list.
      keep = (view) => view.department === department && onDepartmentList(view, queue);
    } else {
      const area = query.area;
      const queue = query.queue as CaseQueue;
      if (!deps.areas.has(area)) throw new ApiError(404, 'AREA_NOT_FOUND', `query.area: no area ${area}`);
      const decision = authorise(actor, 'ListIncidents', { area }, deps.areas);
      if (!decision.allowed) throw new ApiError(403, decision.code, decision.message);
      if (query.subArea !== undefined && !deps.areas.isWithin(query.subArea, area)) {
        throw new ApiError(400, 'VALIDATION_FAILED', `query.subArea: ${query.subArea} is not ${area} nor under it`);
      }
      list = { area, queue, ...(query.sort ? { sort: query.sort } : {}) };
      keep = (view) => caseQueues(view).includes(queue);
    }
    const viewer = { actor, areas: deps.areas, catalog: deps.catalog };
    // A grid asked for (the list's area or the filter's): a case whose grid this viewer may not see (a confidential
    // lead, shown by its community) is not found by it, or the answer would name its grid all the same.
    const asksGrid = [query.mine ? undefined : query.area, query.subArea].some(
      (code) => code !== undefined && deps.areas.find(code)?.level === 'grid',
    );
    // A case is shown only while what it is now meets the filter, as it is only while it is on the list; judged on
    // what the viewer may see of it.
    const onList = keep;
    keep = (view) => {
      if (!onList(view)) return false;
      const shown = visibleIncident(view, viewer);
      if (shown.gridCode !== view.gridCode && asksGrid) return false;
      return viewMeetsFilter(shown, deps.areas.has(shown.gridCode) ? deps.areas.lineage(shown.gridCode) : [], filter);
    };
    await deps.readSide.assertWhole();
    const page = await deps.reader.filteredPage(
      list,
      filter,
      query.limit,
      Boolean(query.mine),
      after && { score: after[0], incidentId: after[1] },
    );
    const more = page.length > query.limit;
    const shown = more ? page.slice(0, query.limit) : page;
    // A view that fails its schema is logged with its incident id and left out: never the whole list.
    const views = await deps.reader.views(shown.map((entry) => entry.incidentId));
    const items = views.filter((v): v is IncidentView => v !== null && keep(v)).map((v) => visibleIncident(v, viewer));
    const last = shown[shown.length - 1];
    return { items, nextCursor: more && last ? encodeCursor(last.score, last.incidentId, query.sort) : null };
  });
}

/**
 * The area a department's list or counts are read in when none is named: the caller's one area. A caller holding
 * several must name one (400); one holding none is refused as out of jurisdiction (403).
 */
export function soleArea(actor: Actor, areas: AreaTree, param: string): string {
  const held = actor.areas ?? [];
  if (held.length === 1 && areas.has(held[0]!)) return held[0]!;
  if (held.length === 0) throw new ApiError(403, 'OUT_OF_JURISDICTION', `${actor.role} ${actor.id} holds no area`);
  throw new ApiError(
    400,
    'VALIDATION_FAILED',
    `query.${param}: ${actor.role} ${actor.id} holds several areas (${held.join(', ')}): name one`,
  );
}

/**
 * Whether a case's view still puts it on a department's list. The view does not carry the warnings sent, so for
 * `warned` it checks what it can (with the department, no deadline missed); the list itself is exact.
 */
function onDepartmentList(view: IncidentView, queue: DepartmentQueue): boolean {
  const open = view.status === 'dispatched' || view.status === 'accepted';
  const overdue = view.deadlines.some((d) => d.overdue);
  switch (queue) {
    case 'awaiting_sign_for':
      return view.status === 'dispatched';
    case 'handling':
      return view.status === 'accepted';
    case 'warned':
      return open && !overdue;
    case 'overdue':
      return open && overdue;
    case 'rework':
      return view.status === 'accepted' && view.reworkCount > 0;
    case 'extension_requested':
      return open && view.pendingExtension !== null;
  }
}

/** The filters of a list query (ADR 0015). */
function caseFilter(query: z.infer<typeof ListQuery>): CaseFilter {
  const flags: CaseFlag[] = [...(query.overdue ? (['overdue'] as const) : []), ...(query.escalated ? (['escalated'] as const) : [])];
  return {
    ...(query.category === undefined ? {} : { category: query.category }),
    ...(query.urgency === undefined ? {} : { urgency: query.urgency }),
    ...(query.subArea === undefined ? {} : { area: query.subArea }),
    ...(query.department === undefined ? {} : { department: query.department }),
    ...(query.from === undefined ? {} : { from: Date.parse(query.from) }),
    ...(query.to === undefined ? {} : { to: Date.parse(query.to) }),
    ...(flags.length === 0 ? {} : { flags }),
    ...(query.q === undefined ? {} : { text: query.q }),
  };
}
