import { caseQueueKey, incidentViewKey, reporterCasesKey, type Actor } from '@gridgov/contracts';
import { authorise, CASE_QUEUES, caseQueues, visibleIncident, type AreaTree, type Catalog, type IncidentView } from '@gridgov/domain';
import { ApiError, parseOr400, requestActor } from '@gridgov/http';
import type { Redis } from '@gridgov/redis';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ReadSideReadiness } from './read-side.ts';

export interface CaseListDeps {
  readonly redis: Redis;
  readonly keyPrefix: string;
  readonly areas: AreaTree;
  readonly catalog: Catalog;
  readonly readSide: Pick<ReadSideReadiness, 'assertWhole'>;
}

export const ListQuery = z
  .object({
    area: z
      .string()
      .regex(/^\d{6}(?:\d{3}){0,3}$/, 'an area code of 6, 9, 12 or 15 digits')
      .optional(),
    queue: z.enum(CASE_QUEUES).optional(),
    mine: z.literal('true').optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(200).optional(),
  })
  .refine((q) => (q.mine ? q.area === undefined && q.queue === undefined : q.area !== undefined && q.queue !== undefined), {
    message: 'either area and queue (a work list), or mine=true (your own reports)',
  });

/** Where a page ended: the last case's score and id (ties on score are ordered by id, as Redis orders them). */
const Cursor = z.tuple([z.number().int(), z.uuid()]);
type Cursor = z.infer<typeof Cursor>;

const encodeCursor = (c: Cursor) => Buffer.from(JSON.stringify(c)).toString('base64url');
function decodeCursor(raw: string): Cursor {
  try {
    return Cursor.parse(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')));
  } catch {
    throw new ApiError(400, 'BAD_CURSOR', 'query.cursor: not a cursor this API gave out');
  }
}

/**
 * One page of a sorted set after `after`, oldest first or (rev) newest first. Scores are report times, so ties
 * are rare; members of equal score come in id order, which is how a page that ended inside a tie resumes.
 */
async function pageOf(redis: Redis, key: string, limit: number, rev: boolean, after: Cursor | undefined) {
  const out: [string, number][] = [];
  const from = after ? String(after[0]) : rev ? '+inf' : '-inf';
  const to = rev ? '-inf' : '+inf';
  const chunk = limit + 16;
  for (let offset = 0; ; offset += chunk) {
    const flat = rev
      ? await redis.zrange(key, from, to, 'BYSCORE', 'REV', 'LIMIT', offset, chunk, 'WITHSCORES')
      : await redis.zrange(key, from, to, 'BYSCORE', 'LIMIT', offset, chunk, 'WITHSCORES');
    for (let i = 0; i < flat.length; i += 2) {
      const id = flat[i]!;
      const score = Number(flat[i + 1]);
      if (after && score === after[0] && (rev ? id >= after[1] : id <= after[1])) continue;
      out.push([id, score]);
      if (out.length === limit + 1) return out;
    }
    if (flat.length < chunk * 2) return out;
  }
}

/**
 * GET /v1/incidents: the work lists of an area (dispatchers and leaders of it) and a person's own reports.
 * The lists are kept by the dispatch worker after each case view (ADR 0008); each case is read from its view and
 * shown only while the view still puts it on the list asked for, and only as much as the viewer may see.
 */
export function registerCaseLists(app: FastifyInstance, deps: CaseListDeps): void {
  const viewsOf = async (ids: readonly string[]): Promise<(IncidentView | null)[]> => {
    if (ids.length === 0) return [];
    const raw = await deps.redis.mget(...ids.map((id) => incidentViewKey(deps.keyPrefix, id)));
    return raw.map((r) => (r ? (JSON.parse(r) as IncidentView) : null));
  };

  app.get('/v1/incidents', async (request) => {
    const actor: Actor = requestActor(request);
    const query = parseOr400(ListQuery, 'query', request.query);
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    let key: string;
    let keep: (view: IncidentView) => boolean;
    if (query.mine) {
      key = reporterCasesKey(deps.keyPrefix, actor.id);
      keep = (view) => view.reporterId === actor.id;
    } else {
      const area = query.area!;
      const queue = query.queue!;
      if (!deps.areas.has(area)) throw new ApiError(404, 'AREA_NOT_FOUND', `query.area: no area ${area}`);
      const decision = authorise(actor, 'ListIncidents', { area }, deps.areas);
      if (!decision.allowed) throw new ApiError(403, decision.code, decision.message);
      key = caseQueueKey(deps.keyPrefix, area, queue);
      keep = (view) => caseQueues(view).includes(queue);
    }
    await deps.readSide.assertWhole();
    const page = await pageOf(deps.redis, key, query.limit, Boolean(query.mine), after);
    const more = page.length > query.limit;
    const shown = more ? page.slice(0, query.limit) : page;
    const views = await viewsOf(shown.map(([id]) => id));
    const viewer = { actor, areas: deps.areas, catalog: deps.catalog };
    const items = views.filter((v): v is IncidentView => v !== null && keep(v)).map((v) => visibleIncident(v, viewer));
    const last = shown[shown.length - 1];
    return { items, nextCursor: more && last ? encodeCursor([last[1], last[0]]) : null };
  });
}
