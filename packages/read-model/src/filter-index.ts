import type { Urgency } from '@gridgov/contracts';
import type { KeyedWrites } from './keyed-writes.ts';
import type { IncidentView } from './schemas.ts';
import { textTokens } from './text-index.ts';

/**
 * The filter indexes of the work lists and of a reporter's own cases (ADR 0015). Redis here has no search module, so
 * each filter value is a set of the cases that have it: a filtered page is the intersection of the list (a sorted set
 * scored by report time) with the sets asked for (ZINTERSTORE walks the smallest, and keeps the list's score), read
 * by score. Plain sets, not sorted sets: the list brings the order, and a set's member costs less memory.
 * The indexes are written by the read model's writer in the pipeline of the views and lists, and come back with them
 * when the log is folded again (ADR 0009).
 */
export function filterIndexKeys(keyPrefix: string) {
  return {
    /** Set: the cases having one facet (`category:<c>`, `urgency:<u>`, `department:<d>`, `area:<a>`, `flag:<f>`). */
    facet: (facet: string) => `${keyPrefix}:idx:${facet}`,
    /** Set: the cases whose description or address holds one text entry (a bigram; see text-index.ts). */
    text: (token: string) => `${keyPrefix}:idx:text:${token}`,
    /** String: the case's searchable text (normalised description and address); none for a confidential category. */
    searchText: (incidentId: string) => `${keyPrefix}:search-text:${incidentId}`,
    /** Sorted set, short-lived: one query's intersection, read page by page and then removed. */
    scratch: (queryId: string) => `${keyPrefix}:idx-scratch:${queryId}`,
  };
}
export type FilterIndexKeys = ReturnType<typeof filterIndexKeys>;

/** The state flags a list can be filtered by: a deadline missed (超期), or escalated (督办) at least once. */
export const CASE_FLAGS = ['overdue', 'escalated'] as const;
export type CaseFlag = (typeof CASE_FLAGS)[number];

/** Whether a case has a flag, from its view. */
export function hasFlag(view: Pick<IncidentView, 'deadlines' | 'escalationLevel'>, flag: CaseFlag): boolean {
  return flag === 'overdue' ? view.deadlines.some((d) => d.overdue) : view.escalationLevel > 0;
}

/** The facets of a case: category, urgency, department (once it has one), its grid and every area above, flags. */
export function caseFacets(view: IncidentView, areas: readonly string[]): string[] {
  return [
    `category:${view.category}`,
    `urgency:${view.urgency}`,
    ...(view.department === null ? [] : [`department:${view.department}`]),
    ...areas.map((a) => `area:${a}`),
    ...CASE_FLAGS.filter((f) => hasFlag(view, f)).map((f) => `flag:${f}`),
  ];
}

/** What changes in the facet indexes when a case goes from `before` (null: new) to `after`; the grid never changes. */
export function facetChanges(
  before: IncidentView | null,
  after: IncidentView,
  areas: readonly string[],
): { readonly add: string[]; readonly remove: string[] } {
  const was = before ? caseFacets(before, areas) : [];
  const is = caseFacets(after, areas);
  return { add: is.filter((f) => !was.includes(f)), remove: was.filter((f) => !is.includes(f)) };
}

/** The filters of GET /v1/incidents, every one optional; a case must meet all that are given. */
export interface CaseFilter {
  readonly category?: string;
  readonly urgency?: Urgency;
  /** A grid or an area: the case's grid is it or lies under it. */
  readonly area?: string;
  readonly department?: string;
  /** Report time at or after (epoch ms). */
  readonly from?: number;
  /** Report time at or before (epoch ms). */
  readonly to?: number;
  readonly flags?: readonly CaseFlag[];
  /** Text the description or address must hold (see `textQuery`). */
  readonly text?: string;
}

/** The facets a filter asks for (text and time range aside), in the order of CaseFilter. */
export function filterFacets(filter: CaseFilter): string[] {
  return [
    ...(filter.category === undefined ? [] : [`category:${filter.category}`]),
    ...(filter.urgency === undefined ? [] : [`urgency:${filter.urgency}`]),
    ...(filter.area === undefined ? [] : [`area:${filter.area}`]),
    ...(filter.department === undefined ? [] : [`department:${filter.department}`]),
    ...(filter.flags ?? []).map((f) => `flag:${f}`),
  ];
}

/**
 * Whether a view meets the filter's facets and time range (not its text, which the view does not hold), given the
 * case's grid lineage. The API checks each case of a page with it too, as it checks list membership: a case is
 * shown only if what it is now meets the filter.
 */
export function viewMeetsFilter(view: IncidentView, lineage: readonly string[], filter: CaseFilter): boolean {
  const reportedAt = view.reportedAt === null ? null : Date.parse(view.reportedAt);
  return (
    (filter.category === undefined || view.category === filter.category) &&
    (filter.urgency === undefined || view.urgency === filter.urgency) &&
    (filter.area === undefined || lineage.includes(filter.area)) &&
    (filter.department === undefined || view.department === filter.department) &&
    (filter.from === undefined || (reportedAt !== null && reportedAt >= filter.from)) &&
    (filter.to === undefined || (reportedAt !== null && reportedAt <= filter.to)) &&
    (filter.flags ?? []).every((f) => hasFlag(view, f))
  );
}

/** What the writer passes for the indexes of one case (a part of its `CaseChange`). */
export interface IndexedChange {
  readonly incidentId: string;
  readonly facets: { readonly add: readonly string[]; readonly remove: readonly string[] };
  readonly text?: string;
}

/**
 * Gathers the index writes of one case's change: SREM and SADD per facet, and for a new case its searchable text and
 * a SADD per text entry. The members of one key go in one command (a batch's cases share most facets and many
 * bigrams). Idempotent, as the views and lists are.
 */
export function writeFilterIndexes(writes: KeyedWrites, keys: FilterIndexKeys, c: IndexedChange): void {
  for (const facet of c.facets.remove) writes.add('srem', keys.facet(facet), c.incidentId);
  for (const facet of c.facets.add) writes.add('sadd', keys.facet(facet), c.incidentId);
  if (c.text !== undefined) {
    // The text at once, its entries gathered: a candidate found by its bigrams always has the text it is checked against.
    writes.pipeline.set(keys.searchText(c.incidentId), c.text);
    for (const token of textTokens(c.text)) writes.add('sadd', keys.text(token), c.incidentId);
  }
}
