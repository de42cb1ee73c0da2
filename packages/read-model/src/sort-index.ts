import { caseQueues, type CaseQueue } from '@gridgov/domain';
import type { KeyedWrites } from './keyed-writes.ts';
import type { IncidentView } from './schemas.ts';

/**
 * The orders a work list can be read in (ADR 0014), each served from a sorted set per area and queue, read in
 * ascending score with ties in incident id order (as Redis orders members of equal score):
 * - `reportedAt`: oldest report first; the work list itself (`<k>:cases:<area>:<queue>`), scored by report time;
 * - `deadline`: the current stage's deadline, soonest first; cases without one after all others, oldest report first;
 * - `escalation`: highest 督办 level first, and within a level the oldest report first.
 */
export const SORT_KEYS = ['reportedAt', 'deadline', 'escalation'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

/** The orders kept in sorted sets of their own; `reportedAt` is the work list's own score. */
export const INDEXED_SORTS = ['deadline', 'escalation'] as const satisfies readonly SortKey[];
type IndexedSort = (typeof INDEXED_SORTS)[number];

/** 2^42 ms is past the year 2109: a report time fits below it, so one score can carry a level and a report time exactly. */
const SPAN = 2 ** 42;

/** Sorted set of the cases of `area` on one work list, in the order `sort` (its own set, or the work list itself). */
export function sortedQueueKey(keyPrefix: string, area: string, queue: string, sort: SortKey): string {
  return sort === 'reportedAt' ? `${keyPrefix}:cases:${area}:${queue}` : `${keyPrefix}:cases-by-${sort}:${area}:${queue}`;
}

type SortFacts = Pick<IncidentView, 'reportedAt' | 'deadlines' | 'escalationLevel'>;

/** A case's score in each order: integers (ms), exact in a double, so a cursor carries them as they are. */
export function sortScores(view: SortFacts): Readonly<Record<SortKey, number>> {
  const reportedAt = view.reportedAt === null ? 0 : Date.parse(view.reportedAt);
  const due = view.deadlines.at(-1)?.due;
  return {
    reportedAt,
    deadline: due ? Date.parse(due) : SPAN + reportedAt,
    escalation: -view.escalationLevel * SPAN + reportedAt,
  };
}

/** What a case's change does to the sort indexes: the scores to set (on lists joined or whose score moved) and the lists left. */
export interface SortIndexChange {
  readonly set: readonly { readonly sort: IndexedSort; readonly queue: CaseQueue; readonly score: number }[];
  readonly remove: readonly CaseQueue[];
}

/** The change to the sort indexes when a case goes from `before` (null: it is new) to `after`. */
export function sortIndexChange(
  before: (SortFacts & Parameters<typeof caseQueues>[0]) | null,
  after: SortFacts & Parameters<typeof caseQueues>[0],
): SortIndexChange {
  const was = before ? caseQueues(before) : [];
  const is = caseQueues(after);
  const old = before ? sortScores(before) : undefined;
  const now = sortScores(after);
  const set = is.flatMap((queue) =>
    INDEXED_SORTS.filter((sort) => !was.includes(queue) || old?.[sort] !== now[sort]).map((sort) => ({ sort, queue, score: now[sort] })),
  );
  return { set, remove: was.filter((q) => !is.includes(q)) };
}

/**
 * Gathers the sort indexes' writes for one case in every area of `areas` (its grid and each above): ZADDs and ZREMs,
 * idempotent when a batch is folded again, written in the same pipeline as the work lists.
 */
export function writeSortIndexes(
  writes: KeyedWrites,
  keyPrefix: string,
  incidentId: string,
  areas: readonly string[],
  change: SortIndexChange,
): void {
  for (const area of areas) {
    for (const queue of change.remove)
      for (const sort of INDEXED_SORTS) writes.add('zrem', sortedQueueKey(keyPrefix, area, queue, sort), incidentId);
    for (const { sort, queue, score } of change.set) writes.add('zadd', sortedQueueKey(keyPrefix, area, queue, sort), score, incidentId);
  }
}
