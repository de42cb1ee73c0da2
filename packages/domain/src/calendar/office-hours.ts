import { z } from 'zod';

const MINUTE_MS = 60_000;

/** A local wall-clock time `HH:MM`, 00:00 … 24:00 (24:00 only makes sense as the end of a period). */
const ClockTime = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, {
  error: (issue) => `expected a local time HH:MM between 00:00 and 24:00, got ${JSON.stringify(issue.input)}`,
});

/** One period of office hours on a working day, local time, start included and end excluded. */
export const OfficePeriod = z.object({ start: ClockTime, end: ClockTime });
export type OfficePeriod = z.infer<typeof OfficePeriod>;

/** The office hours of every working day: at least one period, in order, none overlapping, within one day. */
export const OfficeHours = z
  .array(OfficePeriod)
  .min(1, 'office hours need at least one period')
  .check((ctx) => {
    ctx.value.forEach((period, i) => {
      if (clockMs(period.start) >= clockMs(period.end)) {
        ctx.issues.push({
          code: 'custom',
          input: period,
          path: [i],
          message: `office period ${i}: start ${period.start} is not before end ${period.end}`,
        });
      }
      const previous = ctx.value[i - 1];
      if (previous && clockMs(previous.end) > clockMs(period.start)) {
        ctx.issues.push({
          code: 'custom',
          input: period,
          path: [i],
          message: `office period ${i} (${period.start}–${period.end}) starts before the previous one ends (${previous.end}); list periods in order, without overlap`,
        });
      }
    });
  });
export type OfficeHours = z.infer<typeof OfficeHours>;

/** 08:30–12:00 and 14:30–17:30, the usual hours of government offices: 6.5 hours a day. */
export const DEFAULT_OFFICE_HOURS: OfficeHours = [
  { start: '08:30', end: '12:00' },
  { start: '14:30', end: '17:30' },
];

/** Milliseconds after local midnight of a valid `HH:MM`. */
export function clockMs(text: string): number {
  return (Number(text.slice(0, 2)) * 60 + Number(text.slice(3, 5))) * MINUTE_MS;
}

/** Office hours as offsets from local midnight, with the arithmetic the calendar needs inside one working day. */
export class DaySchedule {
  /** [start, end) offsets from local midnight, ms, in order. */
  readonly periods: readonly (readonly [number, number])[];
  /** Office time in a whole working day, ms. */
  readonly dayMs: number;
  /** Where the last period ends: the moment a working day's office time is used up. */
  readonly closeMs: number;

  constructor(hours: OfficeHours) {
    this.periods = hours.map((p) => [clockMs(p.start), clockMs(p.end)] as const);
    this.dayMs = this.periods.reduce((sum, [start, end]) => sum + end - start, 0);
    this.closeMs = this.periods[this.periods.length - 1]![1];
  }

  /** Office time between local midnight and an offset into the day. */
  officeMsBefore(offset: number): number {
    let sum = 0;
    for (const [start, end] of this.periods) {
      if (offset <= start) break;
      sum += Math.min(offset, end) - start;
    }
    return sum;
  }

  /** The earliest offset into the day by which `officeMs` (0 < officeMs ≤ dayMs) of office time has passed. */
  offsetAfter(officeMs: number): number {
    let rest = officeMs;
    for (const [start, end] of this.periods) {
      if (rest <= end - start) return start + rest;
      rest -= end - start;
    }
    return this.closeMs;
  }
}
