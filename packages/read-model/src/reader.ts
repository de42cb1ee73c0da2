import { CommandOutcome } from '@gridgov/contracts';
import { randomUUID } from 'node:crypto';
import type { Redis } from '@gridgov/redis';
import { checkRecord, InvalidReadModelRecord, parseRecord } from './errors.ts';
import { storedLines, StoredLineError } from './history-pack.ts';
import { filterFacets, filterIndexKeys, type CaseFilter } from './filter-index.ts';
import { readModelKeys } from './keys.ts';
import { textMatches, textQuery } from './text-index.ts';
import { HistoryEntry, IncidentView, type CaseListEntry } from './schemas.ts';
import { sortedQueueKey, type SortKey } from './sort-index.ts';

/** Where a record that fails its schema is told (a pino logger). */
export interface InvalidRecordLogger {
  error(context: object, message: string): void;
}

/** A filtered page walks its list (rather than intersecting) when it expects to read at most this many of it. */
const WALK_AT_MOST = 1_000;

/**
 * A list of cases: an area's work list in one order (report time when none is named), a department's work list in an
 * area (report time), or the cases one person reported.
 */
export type CaseList =
  | { readonly area: string; readonly queue: string; readonly sort?: SortKey }
  | { readonly area: string; readonly department: string; readonly queue: string }
  | { readonly reporterId: string };

/**
 * The one reader of the read side. Every record is parsed against its schema: one that fails is an
 * InvalidReadModelRecord naming the key and the incident, or, in a list, logged and left out, never the whole list.
 */
export class ReadModelReader {
  private readonly keys: ReturnType<typeof readModelKeys>;
  private readonly index: ReturnType<typeof filterIndexKeys>;

  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly logger: InvalidRecordLogger,
  ) {
    this.keys = readModelKeys(keyPrefix);
    this.index = filterIndexKeys(keyPrefix);
  }

  async view(incidentId: string): Promise<IncidentView | undefined> {
    const key = this.keys.view(incidentId);
    const raw = await this.redis.get(key);
    return raw === null ? undefined : parseRecord(IncidentView, raw, key, incidentId);
  }

  /** The views of a list's cases, in order: null for a case without a view, or whose view fails its schema (logged). */
  async views(incidentIds: readonly string[]): Promise<(IncidentView | null)[]> {
    if (incidentIds.length === 0) return [];
    const keys = incidentIds.map((id) => this.keys.view(id));
    const raw = await this.redis.mget(...keys);
    return raw.map((r, i) => {
      if (r === null) return null;
      try {
        return parseRecord(IncidentView, r, keys[i]!, incidentIds[i]!);
      } catch (err) {
        if (!(err instanceof InvalidReadModelRecord)) throw err;
        this.logger.error(
          { incidentId: err.id, key: err.key, reason: err.reason },
          'read model: a case view fails its schema: left out of the list',
        );
        return null;
      }
    });
  }

  /** The case's history, oldest first: its loose lines and its packed ones (history-pack.ts). */
  async history(incidentId: string): Promise<HistoryEntry[]> {
    const key = this.keys.history(incidentId);
    let lines: Map<number, unknown>;
    try {
      lines = storedLines(await this.redis.hgetallBuffer(key));
    } catch (err) {
      if (err instanceof StoredLineError) throw new InvalidReadModelRecord(`${key} ${err.field}`, incidentId, err.reason);
      throw err;
    }
    return [...lines].sort(([a], [b]) => a - b).map(([version, line]) => checkRecord(HistoryEntry, line, `${key} ${version}`, incidentId));
  }

  async outcome(commandId: string): Promise<CommandOutcome | undefined> {
    const key = this.keys.outcome(commandId);
    const raw = await this.redis.get(key);
    return raw === null ? undefined : parseRecord(CommandOutcome, raw, key, commandId);
  }

  /**
   * The number of cases on each of an area's work lists: the cardinality of each list's sorted set (O(1) and exact,
   * ADR 0014), read in one round trip.
   */
  async queueCounts<Q extends string>(area: string, queues: readonly Q[]): Promise<Record<Q, number>> {
    return this.sizes(queues, (queue) => this.keys.caseQueue(area, queue));
  }

  /** The number of cases on each of a department's work lists in an area: each list's sorted set's size, in one round trip. */
  async departmentQueueCounts<Q extends string>(area: string, department: string, queues: readonly Q[]): Promise<Record<Q, number>> {
    return this.sizes(queues, (queue) => this.keys.departmentQueue(area, department, queue));
  }

  /** The size of each list's sorted set, by its name, in one round trip. */
  private async sizes<Q extends string>(queues: readonly Q[], keyOf: (queue: Q) => string): Promise<Record<Q, number>> {
    const pipeline = this.redis.pipeline();
    for (const queue of queues) pipeline.zcard(keyOf(queue));
    const results = (await pipeline.exec()) ?? [];
    return Object.fromEntries(
      queues.map((queue, i) => {
        const [err, n] = results[i] ?? [new Error('no answer')];
        if (err) throw err;
        return [queue, Number(n)];
      }),
    ) as Record<Q, number>;
  }

  /**
   * One page of a list after `after`, in ascending score or (rev) descending, with one case more than `limit` when
   * there is more. Scores make ties rare (ADR 0014); members of equal score come in id order, which is how a page that
   * ended inside a tie resumes.
   */
  async listPage(list: CaseList, limit: number, rev: boolean, after: CaseListEntry | undefined): Promise<CaseListEntry[]> {
    return this.filteredPage(list, {}, limit, rev, after);
  }

  /**
   * One page of a list as `listPage`, only of the cases that meet `filter` (ADR 0015). With an area filter, an area's
   * work list is read from the sub-area's own list; the time range is a score range. The other facets and the text's
   * bigrams are sets: for a broad filter the list is walked in order and each chunk asked of the sets (SMISMEMBER),
   * for a narrow one the list is intersected with them (ZINTERSTORE into a short-lived key, scored by the list) and
   * the intersection read (`walkChunk` decides). The text is then checked exactly against each candidate's text. A text query without a run of two
   * characters is a RangeError (the API refuses it first).
   */
  async filteredPage(
    list: CaseList,
    filter: CaseFilter,
    limit: number,
    rev: boolean,
    after: CaseListEntry | undefined,
  ): Promise<CaseListEntry[]> {
    let base: string;
    let facets = filterFacets(filter);
    /** The list scored by report time, when the page is read in another order (ADR 0014). */
    let byReportTime: string | undefined;
    if ('reporterId' in list) base = this.keys.reportedBy(list.reporterId);
    else if ('department' in list) {
      // A department's list in the area asked for (a sub-area's own list with an area filter), in report-time order.
      base = this.keys.departmentQueue(filter.area ?? list.area, list.department, list.queue);
      const { area: _area, ...rest } = filter;
      facets = filterFacets(rest);
    } else {
      const area = filter.area ?? list.area;
      const sort = list.sort ?? 'reportedAt';
      base = sortedQueueKey(this.keyPrefix, area, list.queue, sort);
      if (sort !== 'reportedAt') byReportTime = this.keys.caseQueue(area, list.queue);
      const { area: _area, ...rest } = filter;
      facets = filterFacets(rest);
    }
    const text = filter.text === undefined ? undefined : textQuery(filter.text);
    if (filter.text !== undefined && text === undefined) throw new RangeError('a text query needs a run of two letters or digits');
    const others = [...facets.map((f) => this.index.facet(f)), ...(text?.tokens ?? []).map((t) => this.index.text(t))];
    // In report-time order the time range is a range of the list's scores; in another order each candidate's report
    // time is asked of the report-time list.
    const inRange = byReportTime !== undefined && (filter.from !== undefined || filter.to !== undefined);
    const range = inRange ? { min: undefined, max: undefined } : { min: filter.from, max: filter.to };
    const checkTime =
      inRange && byReportTime !== undefined
        ? async (ids: string[]) => this.reportedWithin(byReportTime, ids, filter.from, filter.to)
        : undefined;
    const checkWords = text && (async (ids: string[]) => this.textsMatch(ids, text));
    const checkText = both(checkTime, checkWords);
    if (others.length === 0) return this.page(base, range, limit, rev, after, checkText);
    // A broad filter: walk the list in order and ask the sets about each chunk, rather than intersect it all.
    const walk = await this.walkChunk(base, others, limit);
    if (walk !== undefined) {
      const accept = async (ids: string[]) => {
        if (ids.length === 0) return [];
        const pipeline = this.redis.pipeline();
        for (const key of others) pipeline.smismember(key, ...ids);
        const answers = ((await pipeline.exec()) ?? []).map(([err, reply]) => {
          if (err) throw err;
          return reply as number[];
        });
        const kept = ids.map((_, i) => answers.every((a) => a[i] === 1));
        if (!checkText) return kept;
        const texts = await checkText(ids);
        return kept.map((k, i) => k && texts[i]!);
      };
      // Two chunks at most: an estimate that was wrong (filters that go together, or a rare match) goes on by
      // intersecting the rest of the list, from the last case read.
      const budget: WalkBudget = { maxRead: walk * 2 };
      const walked = await this.page(base, range, limit, rev, after, accept, walk, budget);
      if (budget.lastRead === undefined || walked.length > limit) return walked;
      return [...walked, ...(await this.intersected(base, others, range, limit - walked.length, rev, budget.lastRead, checkText))];
    }
    return this.intersected(base, others, range, limit, rev, after, checkText);
  }

  /** A page of the intersection of `base` with the sets `others`, as `page` reads a list. */
  private async intersected(
    base: string,
    others: readonly string[],
    range: Range,
    limit: number,
    rev: boolean,
    after: CaseListEntry | undefined,
    accept: ((ids: string[]) => Promise<boolean[]>) | undefined,
  ): Promise<CaseListEntry[]> {
    const scratch = this.index.scratch(randomUUID());
    const keys = [base, ...others];
    // The list's score (report time) is the intersection's: weight 1 for the list, 0 for the indexes.
    await this.redis
      .multi()
      .zinterstore(scratch, keys.length, ...keys, 'WEIGHTS', 1, ...others.map(() => 0))
      .expire(scratch, 60)
      .exec();
    try {
      return await this.page(scratch, range, limit, rev, after, accept);
    } finally {
      await this.redis.unlink(scratch);
    }
  }

  /**
   * The query plan: how many of the list to read at a time when walking it is cheaper than the intersection, or
   * undefined to intersect. The share of cases a filter keeps is estimated from the sets' sizes (as if independent)
   * over all cases (every case is in one urgency set); walking reads about a page's worth divided by that share.
   */
  private async walkChunk(base: string, sets: readonly string[], limit: number): Promise<number | undefined> {
    const pipeline = this.redis.pipeline();
    for (const key of sets) pipeline.scard(key);
    for (const urgency of ['normal', 'urgent', 'very_urgent']) pipeline.scard(this.index.facet(`urgency:${urgency}`));
    const sizes = ((await pipeline.exec()) ?? []).map(([err, n]) => {
      if (err) throw err;
      return Number(n);
    });
    const all = sizes.slice(sets.length).reduce((a, b) => a + b, 0);
    if (all === 0) return undefined;
    const share = sizes.slice(0, sets.length).reduce((p, n) => p * (n / all), 1);
    if (share === 0) return undefined;
    const toRead = (limit + 1) / share;
    return toRead <= WALK_AT_MOST ? Math.max(limit + 16, Math.min(1_000, Math.ceil(toRead * 1.5))) : undefined;
  }

  /** Whether each case was reported within `from`..`to` (inclusive; undefined is open), by its score on `list`. */
  private async reportedWithin(list: string, ids: readonly string[], from: number | undefined, to: number | undefined): Promise<boolean[]> {
    if (ids.length === 0) return [];
    const scores = await this.redis.zmscore(list, ...ids);
    return scores.map((raw) => {
      if (raw === null) return false;
      const at = Number(raw);
      return (from === undefined || at >= from) && (to === undefined || at <= to);
    });
  }

  private async textsMatch(ids: readonly string[], query: NonNullable<ReturnType<typeof textQuery>>): Promise<boolean[]> {
    if (ids.length === 0) return [];
    const texts = await this.redis.mget(...ids.map((id) => this.index.searchText(id)));
    return texts.map((t) => t !== null && textMatches(t, query));
  }

  private async page(
    key: string,
    range: Range,
    limit: number,
    rev: boolean,
    after: CaseListEntry | undefined,
    accept?: (ids: string[]) => Promise<boolean[]>,
    chunk = limit + 16,
    budget?: WalkBudget,
  ): Promise<CaseListEntry[]> {
    const out: CaseListEntry[] = [];
    const low = range.min ?? -Infinity;
    const high = range.max ?? Infinity;
    const start = rev ? Math.min(high, after?.score ?? Infinity) : Math.max(low, after?.score ?? -Infinity);
    const end = rev ? low : high;
    if (rev ? start < end : start > end) return out;
    const bound = (n: number) => (n === Infinity ? '+inf' : n === -Infinity ? '-inf' : String(n));
    const from = bound(start);
    const to = bound(end);
    for (let offset = 0; ; offset += chunk) {
      const flat = rev
        ? await this.redis.zrange(key, from, to, 'BYSCORE', 'REV', 'LIMIT', offset, chunk, 'WITHSCORES')
        : await this.redis.zrange(key, from, to, 'BYSCORE', 'LIMIT', offset, chunk, 'WITHSCORES');
      const entries: CaseListEntry[] = [];
      for (let i = 0; i < flat.length; i += 2) {
        const incidentId = flat[i]!;
        const score = Number(flat[i + 1]);
        if (after && score === after.score && (rev ? incidentId >= after.incidentId : incidentId <= after.incidentId)) continue;
        entries.push({ incidentId, score });
      }
      const ok = accept ? await accept(entries.map((e) => e.incidentId)) : undefined;
      for (const [i, entry] of entries.entries()) {
        if (ok && !ok[i]) continue;
        out.push(entry);
        if (out.length === limit + 1) return out;
      }
      if (flat.length < chunk * 2) return out;
      if (budget && offset + chunk >= budget.maxRead) {
        budget.lastRead = { incidentId: flat[flat.length - 2]!, score: Number(flat[flat.length - 1]) };
        return out;
      }
    }
  }
}

/** Both checks, when there are two (a case passes when it passes each). */
function both(
  a: ((ids: string[]) => Promise<boolean[]>) | undefined,
  b: ((ids: string[]) => Promise<boolean[]>) | undefined,
): ((ids: string[]) => Promise<boolean[]>) | undefined {
  if (!a || !b) return a ?? b;
  return async (ids) => {
    const [x, y] = await Promise.all([a(ids), b(ids)]);
    return x.map((ok, i) => ok && y[i]!);
  };
}

/** A range of scores (epoch ms, inclusive); undefined is open. */
type Range = { readonly min: number | undefined; readonly max: number | undefined };

/** How much of a list a walk may read; where it stopped, when it stopped before the page was full or the list ended. */
interface WalkBudget {
  readonly maxRead: number;
  lastRead?: CaseListEntry;
}
