import type { Duration } from '../catalog/categories.ts';

/** Deadlines and reminders that are not per category: configurable per deployment. */
export interface DeadlinePolicy {
  /** A case no route could dispatch waits this long for a dispatcher (派遣时限). */
  readonly dispatch: Duration;
  /** The department signs for a dispatched case within this (签收时限). */
  readonly signFor: Duration;
  /** Grid staff verify a resolved case on site within this (核查时限). */
  readonly verification: Duration;
  /** Fractions of a stage's time at which the assignee is warned (临期预警), ascending, in (0, 1). */
  readonly warningFractions: readonly number[];
  /** After the handling deadline, each further period overdue escalates one more level. */
  readonly escalationEvery: Duration;
  /**
   * How long after a case is closed or rejected its personal data is kept (ms of natural time); then the dispatch
   * worker erases it (IncidentErased, ADR 0016). Absent: kept until an admin erases it.
   */
  readonly retentionMs?: number;
}

export const DEFAULT_POLICY: DeadlinePolicy = {
  dispatch: { unit: 'working_hours', amount: 2 },
  signFor: { unit: 'working_hours', amount: 2 },
  verification: { unit: 'working_days', amount: 1 },
  warningFractions: [0.5, 0.8],
  escalationEvery: { unit: 'working_days', amount: 1 },
};

/** Escalation levels: 1 community, 2 town/street, 3 district/county, 4 city. */
export const MAX_ESCALATION_LEVEL = 4;
