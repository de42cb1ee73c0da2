import type { AreaLevel, CaseQueue, DepartmentQueue, WindowKind } from '@gridgov/domain';
import type { AreaRef } from '@gridgov/projection-api';
import type { CasePage } from '@gridgov/read-model';
import type { Me } from '@gridgov/contracts';

/**
 * The answers' types have one home, the schemas the services answer with (ADR 0027): the projection's in
 * @gridgov/projection-api, the case views' in @gridgov/read-model, the intake's and the notifier's others in
 * @gridgov/contracts. Types only: no schema is bundled into the console.
 */
export type { AreaRef, Figures, FiguresAnswer, RankingAnswer, RankingRow, TrendAnswer, UnrankedRow } from '@gridgov/projection-api';
export type { DepartmentQueueCounts, HistoryEntry, IncidentView, QueueCounts, SortKey } from '@gridgov/read-model';
export type { DepartmentQueue };
export type { AreaLevel, WindowKind };

export type Role = 'grid_staff' | 'handler' | 'dispatcher' | 'leader' | 'admin';

/** The intake's answers (GET /v1/me, GET /v1/areas/:code, 202 of every command, GET /v1/commands/:id?waitMs=). */
export type { AreaDetail, CommandAccepted, CommandOutcomeAnswer as CommandOutcome, MergeAccepted, Me } from '@gridgov/contracts';

/** The user's areas that the API knows. */
export const knownAreas = (me: Me): AreaRef[] =>
  me.actor.areas.flatMap((a) => (a.name !== null && a.level !== null ? [{ code: a.code, name: a.name, level: a.level }] : []));

export const WINDOW_KINDS: readonly WindowKind[] = ['day', 'week', 'month', 'quarter', 'year', 'all'];

/** GET /v1/incidents?… */
export type IncidentPage = CasePage;

export type Queue = CaseQueue;

/**
 * An open case a new report may repeat (重复上报): GET /v1/duplicates?category=&lat=&lng= answers them nearest first,
 * and the 202 of a report carries them (`possibleDuplicates`). Never reporter data.
 */
export type { DuplicateCandidate, DuplicateCandidates as DuplicatesAnswer } from '@gridgov/contracts';

/** What a case view says about merges (合并): the case it went into, those merged into it, those proposed at intake. */
export interface DuplicateFacts {
  readonly merged: boolean;
  readonly mergedInto: string | undefined;
  readonly mergedDuplicates: readonly string[];
  readonly possibleDuplicateOf: readonly string[];
}

/** The merge facts of a view; a view from before merges existed has none. */
export function duplicateFacts(view: {
  readonly status: string;
  readonly mergedInto?: string;
  readonly mergedDuplicates?: readonly string[];
  readonly possibleDuplicateOf?: readonly string[];
}): DuplicateFacts {
  return {
    merged: view.status === 'merged',
    mergedInto: view.mergedInto,
    mergedDuplicates: view.mergedDuplicates ?? [],
    possibleDuplicateOf: view.possibleDuplicateOf ?? [],
  };
}
