import type { Stage, Urgency } from '@gridgov/contracts';
import type { Catalog, Duration } from '../catalog/categories.ts';
import type { DeadlinePolicy } from './policy.ts';
import type { Interval, Measure } from './stage-time.ts';

export type IncidentStatus = 'reported' | 'rejected' | 'dispatched' | 'accepted' | 'resolved' | 'closed' | 'returned' | 'merged';

/** Whether a case is over: closed, rejected, or merged into another (closed as a duplicate, 合并). */
export const isFinished = (status: IncidentStatus): boolean => status === 'closed' || status === 'rejected' || status === 'merged';

/** A duplicate merged into a case: who reported it, to be told when the case closes. */
export interface MergedDuplicate {
  readonly incidentId: string;
  readonly reporterId: string;
}

/** One running deadline. Warnings fall at fractions of the time from start to due, in the clock's measure. */
export interface StageClock {
  readonly stage: Stage;
  readonly startedAt: number;
  readonly due: number;
  readonly measure: Measure;
  /** How many of the policy's warning fractions have been sent. */
  readonly warned: number;
  readonly missed: boolean;
}

/** The dispatch worker's view of one incident: what deciding the next command or tick needs. Instants in epoch ms. */
export interface Incident {
  readonly version: number;
  readonly status: IncidentStatus;
  readonly reportId: string;
  readonly reporterId: string;
  readonly gridCode: string;
  readonly category: string;
  readonly urgency: Urgency;
  readonly reportedAt: number;
  readonly department: string | null;
  readonly firstDispatchedAt: number | null;
  readonly clocks: readonly StageClock[];
  /** A sign-for deadline, or a handling deadline not moved by an extension, was missed: the case cannot close on time. */
  readonly missedHandlingDeadline: boolean;
  readonly reworkCount: number;
  readonly extensionCount: number;
  readonly pendingExtension: { readonly unit: 'working_hours' | 'working_days' | 'natural_hours'; readonly amount: number } | null;
  readonly suspendedAt: number | null;
  /** Every finished suspended span: excluded from deadlines and handling time. */
  readonly suspensions: readonly Interval[];
  readonly escalationLevel: number;
  /** When the next automatic escalation is due (after the handling deadline was missed), if any. */
  readonly nextEscalationAt: number | null;
  /** When the case was closed or rejected: the retention policy counts from then (ADR 0016). Absent while open. */
  readonly closedAt?: number;
  /** The reporter's keyed pseudonym, as the sealed IncidentReported carries it: the read side's key of their own list. */
  readonly reporterRef?: string;
  /** The report's location lay outside its grid's boundary (ADR 0025); absent when inside or the grid has none. */
  readonly locationOutsideGrid?: true;
  /** Its personal data was erased (IncidentErased): the data key is shredded, nothing more happens to it. */
  readonly erased?: boolean;
  /** A legacy system's case, imported whole (IncidentImported, ADR 0030): history; nothing is decided on it. */
  readonly imported?: boolean;
  /** Where the report was made (lat, lng): the read side's index of open cases near a place (ADR 0032). */
  readonly location?: { readonly lat: number; readonly lng: number };
  /** Open cases the intake proposed this report as a duplicate of (重复上报); absent when none. */
  readonly possibleDuplicateOf?: readonly string[];
  /** The case this one was merged into as a duplicate (status `merged`); absent otherwise. */
  readonly mergedInto?: string;
  /** The duplicates merged into this case, in the order merged; absent when none ever was. */
  readonly duplicates?: readonly MergedDuplicate[];
}

export type IncidentState = Incident | null;

export const initialState: IncidentState = null;

export const measureOf = (d: Duration): Measure => (d.unit === 'working_hours' || d.unit === 'working_days' ? 'working' : 'natural');

/** What sets a stage's time: the catalog (handling, per category and urgency) and the deadline policy (the others). */
export interface StageRules {
  readonly catalog: Catalog;
  readonly policy: DeadlinePolicy;
}

/** The configured time of a stage: the category's handling time per urgency, the policy's for the others. */
export function stageDuration(ctx: StageRules, state: Pick<Incident, 'category' | 'urgency'>, stage: Stage): Duration {
  switch (stage) {
    case 'dispatch':
      return ctx.policy.dispatch;
    case 'sign_for':
      return ctx.policy.signFor;
    case 'verification':
      return ctx.policy.verification;
    case 'handling':
      return ctx.catalog.handling(state.category, state.urgency);
  }
}

/** The measures of the stages a decision starts, as its event records them. */
export function stageMeasures<S extends Stage>(
  ctx: StageRules,
  state: Pick<Incident, 'category' | 'urgency'>,
  ...stages: S[]
): Record<S, Measure> {
  return Object.fromEntries(stages.map((stage) => [stage, measureOf(stageDuration(ctx, state, stage))])) as Record<S, Measure>;
}
