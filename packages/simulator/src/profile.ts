import type { Urgency } from '@gridgov/contracts';
import type { Catalog, IncidentStatus } from '@gridgov/domain';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** What someone can do next to a case (the commands after the report). */
export type MoveKind =
  | 'dispatch'
  | 'reject'
  | 'suspend'
  | 'resume'
  | 'escalate'
  | 'accept'
  | 'return'
  | 'reassign'
  | 'requestExtension'
  | 'approveExtension'
  | 'denyExtension'
  | 'merge'
  | 'attachDuplicate'
  | 'detachDuplicate'
  | 'resolve'
  | 'verifyPassed'
  | 'verifyFailed';

/** Where a case stands when someone next acts on it: what the weights of the next move depend on. */
export interface Situation {
  readonly status: Exclude<IncidentStatus, 'closed' | 'rejected' | 'merged'>;
  readonly suspended: boolean;
  readonly pendingExtension: boolean;
  /** The handling deadline is less than a day away. */
  readonly nearDue: boolean;
  /** The handling deadline has been missed. */
  readonly overdue: boolean;
  /** The case is below the top escalation level. */
  readonly canEscalate: boolean;
  /** Duplicates were merged into the case (合并, ADR 0032). */
  readonly hasDuplicates: boolean;
  /** The profile's weights of merges (`TrafficProfile.merges`). */
  readonly merges: TrafficProfile['merges'];
}

export type Weighted<T> = readonly (readonly [T, number])[];

/**
 * How grid staff, dispatchers and departments behave: one profile for the seeded histories
 * (`generateHistory`) and for the live traffic (`planTraffic`), so that both tell the same story.
 */
export interface TrafficProfile {
  /** Share of reports made on a phone that was offline: they reach the system late. */
  readonly latePhones: number;
  /**
   * 合并 (ADR 0032), per step: a report awaiting dispatch merged into another case as a duplicate, a case taking one in,
   * or letting one go; and the share of merged cases whose merge is undone. A case's walk is its own, so the two halves
   * of one merge are not paired here: each case's figures depend on its own events alone. 0 for live traffic, whose
   * merges would name cases that do not exist.
   */
  readonly merges: { readonly merge: number; readonly attach: number; readonly detach: number; readonly undo: number };
  /** How late such a report arrives, ms (log-uniform between the two). */
  readonly lateDelayMs: { readonly lo: number; readonly hi: number };
  /** How late any other report arrives, ms (uniform up to this). */
  readonly onTimeDelayMs: number;
  /** How long before the report the thing was seen, ms (log-uniform). */
  readonly occurredBeforeMs: { readonly lo: number; readonly hi: number };
  readonly urgencies: Weighted<Urgency>;
  /** The category mix, by category code; a catalog category not named here has `otherCategoryWeight`. */
  readonly categories: Readonly<Record<string, number>>;
  readonly otherCategoryWeight: number;
  /** How quickly the people around a case act: the spread (log-uniform) of the gaps between its steps, ms. */
  readonly paces: Weighted<{ readonly lo: number; readonly hi: number }>;
  /** While an extension request waits for a dispatcher, ms. */
  readonly extensionWaitMs: { readonly lo: number; readonly hi: number };
  /** After an extension is granted, the handler takes the time it was given, ms. */
  readonly afterExtensionMs: { readonly lo: number; readonly hi: number };
  /** At each step, the chance that nobody touches the case again (it stays open). */
  readonly stall: number;
  /** A case takes at most this many steps after the report; the rest of its life is left open. */
  readonly maxSteps: number;
  /** A dispatcher sends a case to the department routing names this often; otherwise to any department. */
  readonly routedDispatch: number;
  /** The weights of the next move in a situation (zero: never). */
  readonly moves: (s: Situation) => Weighted<MoveKind>;
}

/**
 * Weights of the next move. A share here is per step, not per case: e.g. a resolved case is
 * verified as failed (返工) 17% of the times it is checked; handlers ask for more time when the
 * deadline draws near; dispatchers move overdue cases elsewhere.
 */
function defaultMoves(s: Situation): Weighted<MoveKind> {
  const up = s.canEscalate ? 1 : 0;
  const { merges } = s;
  if (s.suspended) {
    return [
      ['resume', 0.9],
      ['escalate', 0.1 * up],
    ];
  }
  switch (s.status) {
    case 'reported':
      return [
        ['dispatch', 0.7],
        ['reject', 0.2],
        ['suspend', 0.05],
        ['escalate', 0.05 * up],
        ['merge', merges.merge],
      ];
    case 'returned':
      return [
        ['dispatch', 0.6],
        ['reject', 0.3],
        ['suspend', 0.05],
        ['escalate', 0.05 * up],
        ['merge', merges.merge],
      ];
    case 'dispatched':
      return s.pendingExtension
        ? [
            ['approveExtension', 0.6],
            ['denyExtension', 0.3],
            ['accept', 0.1],
          ]
        : [
            ['accept', 0.65],
            ['return', 0.07],
            ['reassign', s.overdue ? 0.15 : 0.07],
            ['requestExtension', s.nearDue ? 0.3 : 0.07],
            ['suspend', 0.03],
            ['escalate', 0.04 * up],
            ['attachDuplicate', merges.attach],
            ['detachDuplicate', s.hasDuplicates ? merges.detach : 0],
          ];
    case 'accepted':
      return s.pendingExtension
        ? [
            ['approveExtension', 0.55],
            ['denyExtension', 0.3],
            ['resolve', 0.15],
          ]
        : [
            ['resolve', 0.62],
            ['requestExtension', s.nearDue ? 0.3 : 0.1],
            ['return', 0.04],
            ['reassign', s.overdue ? 0.15 : 0.05],
            ['suspend', 0.04],
            ['escalate', 0.04 * up],
          ];
    case 'resolved':
      return [
        ['verifyPassed', 0.75],
        ['verifyFailed', 0.17],
        ['suspend', 0.03],
        ['escalate', 0.05 * up],
      ];
  }
}

export const DEFAULT_PROFILE: TrafficProfile = {
  latePhones: 0.15,
  merges: { merge: 0.04, attach: 0.03, detach: 0.2, undo: 0.25 },
  lateDelayMs: { lo: 10 * MINUTE, hi: 3 * DAY },
  onTimeDelayMs: 20_000,
  occurredBeforeMs: { lo: MINUTE, hi: 6 * HOUR },
  urgencies: [
    ['normal', 0.7],
    ['urgent', 0.2],
    ['very_urgent', 0.1],
  ],
  // A district's grid reports lean on city upkeep (rubbish, roads) and neighbourhood disputes;
  // safety, market and crime leads are rarer.
  categories: {
    exposed_rubbish: 0.22,
    dirty_road: 0.14,
    dispute: 0.14,
    fire_safety: 0.09,
    illegal_construction: 0.08,
    security_hazard: 0.08,
    work_safety: 0.07,
    food_drug_env: 0.07,
    manhole_cover: 0.04,
    telecom_fraud: 0.04,
    gang_crime_lead: 0.03,
  },
  otherCategoryWeight: 0.03,
  paces: [
    [{ lo: 5 * MINUTE, hi: 8 * HOUR }, 0.35],
    [{ lo: 10 * MINUTE, hi: 1.5 * DAY }, 0.45],
    [{ lo: HOUR, hi: 5 * DAY }, 0.2],
  ],
  extensionWaitMs: { lo: 30 * MINUTE, hi: 3 * DAY },
  afterExtensionMs: { lo: HOUR, hi: 15 * DAY },
  stall: 0.03,
  maxSteps: 40,
  routedDispatch: 0.5,
  moves: defaultMoves,
};

/** The category mix over a catalog's categories: the profile's weight for each, in catalog order. */
export function categoryMix(profile: TrafficProfile, catalog: Catalog): Weighted<string> {
  const mix = catalog.allCategories().map((c) => [c.code, profile.categories[c.code] ?? profile.otherCategoryWeight] as const);
  if (mix.length === 0) throw new Error('categoryMix: the catalog has no categories');
  return mix;
}
