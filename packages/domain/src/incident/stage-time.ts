import type { Duration } from '../catalog/categories.ts';

import type { Measure } from '@gridgov/contracts';

export type { Measure };

/** A span in epoch milliseconds, [from, to). */
export interface Interval {
  readonly from: number;
  readonly to: number;
}

/** What the decider needs of the working calendar: adding and measuring time, suspended spans excluded. */
export interface StageTime {
  add(from: number, ms: number, measure: Measure, excluded: readonly Interval[]): number;
  between(from: number, to: number, measure: Measure, excluded: readonly Interval[]): number;
  /** A duration as an amount of time in its own measure (one working day = one day's office hours). */
  toMs(duration: Duration): { ms: number; measure: Measure };
}

/** The decider's view of a working calendar. */
export function stageTimeOf(calendar: {
  addWorkingMs(from: number, ms: number, excluded: readonly Interval[]): number;
  addNaturalMs(from: number, ms: number, excluded: readonly Interval[]): number;
  workingMsBetween(from: number, to: number, excluded: readonly Interval[]): number;
  naturalMsBetween(from: number, to: number, excluded: readonly Interval[]): number;
  durationMs(duration: Duration): number;
}): StageTime {
  return {
    add: (from, ms, measure, excluded) =>
      measure === 'working' ? calendar.addWorkingMs(from, ms, excluded) : calendar.addNaturalMs(from, ms, excluded),
    between: (from, to, measure, excluded) =>
      measure === 'working' ? calendar.workingMsBetween(from, to, excluded) : calendar.naturalMsBetween(from, to, excluded),
    toMs: (duration) => ({
      ms: calendar.durationMs(duration),
      measure: duration.unit === 'working_hours' || duration.unit === 'working_days' ? 'working' : 'natural',
    }),
  };
}
