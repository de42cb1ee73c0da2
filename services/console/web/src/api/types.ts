import type { IncidentView } from '@gridgov/domain';

export type { IncidentView };

export type Role = 'grid_staff' | 'handler' | 'dispatcher' | 'leader' | 'admin';
export type AreaLevel = 'city' | 'district' | 'town' | 'community' | 'grid';

export interface AreaRef {
  readonly code: string;
  readonly name: string;
  readonly level: AreaLevel;
}

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

export type WindowKind = 'day' | 'week' | 'month' | 'quarter' | 'year' | 'all';
export const WINDOW_KINDS: readonly WindowKind[] = ['day', 'week', 'month', 'quarter', 'year', 'all'];

/** The figures of /v1/figures and /v1/streams/figures; rates are null while nothing is registered. */
export interface Figures {
  readonly reported: number;
  readonly dispatched: number;
  readonly registered: number;
  readonly closed: number;
  readonly closureRate: number | null;
  readonly closedOnTime: number;
  readonly onTimeClosureRate: number | null;
  readonly overdue: number;
  readonly reworkRate: number | null;
  readonly extensionRate: number | null;
  readonly escalated: number;
  /** Working hours, dispatch to resolved, over closed cases. */
  readonly meanHandlingHours: number | null;
}

export interface FiguresAnswer {
  readonly area: AreaRef;
  readonly window: { readonly kind: WindowKind; readonly id: string };
  readonly figures: Figures;
}

export interface RankingRow {
  readonly rank: number;
  readonly area: AreaRef;
  readonly score: number | null;
  /** 末位 */
  readonly bottom: boolean;
  readonly figures: Figures;
}

export interface RankingAnswer {
  readonly area: AreaRef;
  readonly window: { readonly kind: WindowKind; readonly id: string };
  readonly rows: readonly RankingRow[];
}

export interface TrendAnswer {
  readonly series: readonly { readonly date: string; readonly value: number | null }[];
}

/** GET /v1/incidents?… */
export interface IncidentPage {
  readonly items: readonly IncidentView[];
  readonly nextCursor: string | null;
}

export type Queue = 'new' | 'returned' | 'overdue' | 'escalated' | 'extension' | 'handling' | 'suspended' | 'verifying';

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
