import { parseLocalDate, SHANGHAI_OFFSET_MS, type LocalDate } from '../time/windows.ts';
import type { HolidayData } from './holidays.ts';

export const DAY_MS = 86_400_000;

export type { LocalDate };

/** Local days are numbered from 1970-01-01 (day 0, a Thursday); negative before it. */
export const localDayOf = (ms: number): number => Math.floor((ms + SHANGHAI_OFFSET_MS) / DAY_MS);
/** The instant (epoch ms) of local midnight that starts a local day. */
export const localMidnight = (day: number): number => day * DAY_MS - SHANGHAI_OFFSET_MS;
/** The local day of a calendar date; a RangeError for a date that does not exist (2026-02-30). */
export function dayOfDate(date: LocalDate): number {
  const utc = new Date(Date.UTC(date.year, date.month - 1, date.day));
  if (utc.getUTCFullYear() !== date.year || utc.getUTCMonth() !== date.month - 1 || utc.getUTCDate() !== date.day) {
    throw new RangeError(`not a date: ${JSON.stringify(date)}`);
  }
  return utc.getTime() / DAY_MS;
}
/** Monday 0 … Sunday 6. */
const weekdayOf = (day: number): number => (((day + 3) % 7) + 7) % 7;
const isWeekday = (day: number): boolean => weekdayOf(day) < 5;

/** Mondays to Fridays among days 0 … r − 1 of a week that starts on a Thursday (day 0 is one). */
const WEEKDAYS_IN_FIRST = [0, 1, 2, 2, 2, 3, 4] as const;

/** Mondays to Fridays in days [0, day), negative for days before 1970: a difference counts the days between. */
function weekdaysBefore(day: number): number {
  const weeks = Math.floor(day / 7);
  return weeks * 5 + WEEKDAYS_IN_FIRST[day - weeks * 7]!;
}

/**
 * Which local days are working days, from the published notices: a make-up working day (调休) always works;
 * otherwise a day works when it is Monday to Friday and not a public holiday. Years without a notice follow
 * the weekday rule alone. Counting is closed-form (weekdays) plus a binary search over the few published
 * exceptions, so no operation walks day by day.
 */
export class WorkingDays {
  readonly knownYears: readonly number[];
  /** Days that differ from the weekday rule, ascending. */
  private readonly exceptionDays: readonly number[];
  /** +1 for a weekend worked, −1 for a weekday off; exceptionsBefore[i] sums the first i of them. */
  private readonly exceptionsBefore: readonly number[];
  private readonly exceptionSet: ReadonlySet<number>;
  /** Largest |weekdays − working days| over any span, to bound searches. */
  private readonly slack: number;

  constructor(data: HolidayData) {
    this.knownYears = Object.keys(data.years)
      .map(Number)
      .sort((a, b) => a - b);
    const holidays = new Set<number>();
    const makeUp = new Set<number>();
    for (const notice of Object.values(data.years)) {
      for (const period of notice.holidays) {
        for (let day = dayOfText(period.from); day <= dayOfText(period.to); day++) holidays.add(day);
      }
      for (const text of notice.makeUpWorkdays) makeUp.add(dayOfText(text));
    }
    const exceptions = new Map<number, number>();
    for (const day of makeUp) if (!isWeekday(day)) exceptions.set(day, 1);
    for (const day of holidays) if (isWeekday(day) && !makeUp.has(day)) exceptions.set(day, -1);
    this.exceptionDays = [...exceptions.keys()].sort((a, b) => a - b);
    const before = [0];
    for (const day of this.exceptionDays) before.push(before[before.length - 1]! + exceptions.get(day)!);
    this.exceptionsBefore = before;
    this.exceptionSet = new Set(this.exceptionDays);
    this.slack = this.exceptionDays.length;
  }

  isWorking(day: number): boolean {
    return isWeekday(day) !== this.exceptionSet.has(day);
  }

  /** Working days in [0, day); a difference of two counts the working days between. */
  workingDaysBefore(day: number): number {
    // Index of the first exception on or after `day`.
    let lo = 0;
    let hi = this.exceptionDays.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.exceptionDays[mid]! < day) lo = mid + 1;
      else hi = mid;
    }
    return weekdaysBefore(day) + this.exceptionsBefore[lo]!;
  }

  /** The working day with exactly `n` working days before it (counted as in workingDaysBefore). */
  nthWorkingDay(n: number): number {
    // Seven days hold five weekdays, and each exception shifts the count by one at most.
    const guess = Math.floor(n / 5) * 7;
    let lo = guess - 7 - 2 * this.slack;
    let hi = guess + 7 + 2 * this.slack;
    // Smallest day d with workingDaysBefore(d + 1) > n; that day works and has n working days before it.
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.workingDaysBefore(mid + 1) > n) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

function dayOfText(text: string): number {
  const date = parseLocalDate(text);
  if (!date) throw new RangeError(`not a date YYYY-MM-DD: ${JSON.stringify(text)} (parse holiday data with HolidayData first)`);
  return dayOfDate(date);
}
