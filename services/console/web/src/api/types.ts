import type { AreaLevel, CaseQueue, DepartmentQueue, WindowKind } from '@gridgov/domain';
import type { AreaRef } from '@gridgov/projection-api';
import type { CasePage } from '@gridgov/read-model';

/** The answers' types have one home: the projection's in @gridgov/projection-api, the case views' in @gridgov/read-model. */
export type { AreaRef, Figures, FiguresAnswer, RankingAnswer, RankingRow, TrendAnswer, UnrankedRow } from '@gridgov/projection-api';
export type { DepartmentQueueCounts, HistoryEntry, IncidentView, QueueCounts, SortKey } from '@gridgov/read-model';
export type { DepartmentQueue };
export type { AreaLevel, WindowKind };

export type Role = 'grid_staff' | 'handler' | 'dispatcher' | 'leader' | 'admin';

/** GET /v1/me: an area code the token holds that the API does not know comes with a null name and level. */
export interface Me {
  readonly actor: {
    readonly id: string;
    readonly role: Role;
    readonly department: string | null;
    readonly areas: readonly { readonly code: string; readonly name: string | null; readonly level: AreaLevel | null }[];
  };
}

/** The user's areas that the API knows. */
export const knownAreas = (me: Me): AreaRef[] =>
  me.actor.areas.flatMap((a) => (a.name !== null && a.level !== null ? [{ code: a.code, name: a.name, level: a.level }] : []));

/** GET /v1/areas/:code */
export interface AreaDetail extends AreaRef {
  /** Root first, the area itself last. */
  readonly path: readonly AreaRef[];
  readonly children: readonly AreaRef[];
}

export const WINDOW_KINDS: readonly WindowKind[] = ['day', 'week', 'month', 'quarter', 'year', 'all'];

/** GET /v1/incidents?… */
export type IncidentPage = CasePage;

export type Queue = CaseQueue;

/** 202 of every command */
export interface CommandAccepted {
  readonly commandId: string;
  readonly incidentId: string;
}

/** GET /v1/commands/:id?waitMs= */
export type CommandOutcome =
  | { readonly status: 'accepted'; readonly commandId: string; readonly incidentId: string; readonly events: readonly { type: string }[] }
  | {
      readonly status: 'rejected';
      readonly commandId: string;
      readonly incidentId: string;
      readonly code: string;
      readonly message: string;
    }
  | { readonly status: 'pending'; readonly commandId: string };
