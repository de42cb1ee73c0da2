import { z } from 'zod';
import type { Duration } from '../catalog/categories.ts';
import { shanghaiDate } from '../time/windows.ts';
import type { HolidayData } from './holidays.ts';
import { addExcluding, type Clock, type ExcludedInterval, type InstantInput, measureExcluding, mergeIntervals, toMs } from './intervals.ts';
import { DaySchedule, DEFAULT_OFFICE_HOURS, OfficeHours } from './office-hours.ts';
import { type LocalDate, WorkingDays, dayOfDate, localDayOf, localMidnight } from './working-days.ts';

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

export interface WorkingCalendarOptions {
  /** Office hours of every working day, local time; 08:30–12:00 and 14:30–17:30 unless given. */
  readonly officeHours?: OfficeHours;
  /** The parsed holiday notices (HolidayData); the domain never reads the file itself. */
  readonly holidays: HolidayData;
}

/**
 * The working calendar of Asia/Shanghai (UTC+8 all year): office hours on working days, public holidays off,
 * make-up working days (调休) on. Instants go in as a Date or epoch ms and always come out as epoch ms (numbers),
 * so that deadlines compare, sort and store (Redis scores, Kafka headers) without conversion.
 *
 * One working day is `workingDayMs` of working time (one day's office hours), not "the same time on the next
 * working day" by rule: so one working day from Monday 10:00 ends Tuesday 10:00 when both are full working days,
 * and from a Friday 10:00 it ends on the next working day at 10:00. Defining it as an amount of working time
 * keeps addWorkingMs and workingMsBetween exact inverses of each other.
 *
 * Every operation is closed-form over days (weekday counting plus a binary search over the published
 * exceptions), so adding 15 working days or measuring a year costs the same few microseconds.
 */
export class WorkingCalendar {
  /** Working time in one full working day, ms (6.5 h for the default office hours). */
  readonly workingDayMs: number;
  /** Years that have a published notice; outside them weekdays work and weekends do not. */
  readonly knownYears: readonly number[];
  readonly officeHours: OfficeHours;

  private readonly schedule: DaySchedule;
  private readonly days: WorkingDays;
  private readonly working: Clock = { between: (a, b) => this.cumulative(b) - this.cumulative(a), add: (t, ms) => this.addPlain(t, ms) };
  private readonly natural: Clock = { between: (a, b) => b - a, add: (t, ms) => t + ms };

  /** @throws RangeError when the office hours are not valid (see OfficeHours). */
  constructor({ officeHours = DEFAULT_OFFICE_HOURS, holidays }: WorkingCalendarOptions) {
    const parsed = OfficeHours.safeParse(officeHours);
    if (!parsed.success) throw new RangeError(`invalid office hours:\n${z.prettifyError(parsed.error)}`);
    this.officeHours = parsed.data;
    this.schedule = new DaySchedule(parsed.data);
    this.workingDayMs = this.schedule.dayMs;
    this.days = new WorkingDays(holidays);
    this.knownYears = this.days.knownYears;
  }

  /** Whether the holiday data covers the local year of an instant; when it does not, the service should warn. */
  covers(instant: InstantInput): boolean {
    return this.knownYears.includes(shanghaiDate(instantMs(instant)).year);
  }

  /** Whether a local date is a working day: a make-up working day, or Monday to Friday and not a public holiday. */
  isWorkingDay(date: LocalDate): boolean {
    return this.days.isWorking(dayOfDate(date));
  }

  /** Working time in [from, to), less any excluded intervals, in ms; 0 when to ≤ from. */
  workingMsBetween(from: InstantInput, to: InstantInput, excluded: readonly ExcludedInterval[] = []): number {
    return measureExcluding(this.working, instantMs(from), instantMs(to), mergeIntervals(excluded));
  }

  /** Wall-clock time in [from, to), less any excluded intervals, in ms; 0 when to ≤ from. */
  naturalMsBetween(from: InstantInput, to: InstantInput, excluded: readonly ExcludedInterval[] = []): number {
    return measureExcluding(this.natural, instantMs(from), instantMs(to), mergeIntervals(excluded));
  }

  /**
   * The earliest instant t (epoch ms) with workingMsBetween(from, t, excluded) === ms; `from` itself for ms = 0.
   * Infinity when an excluded interval that is still open (to = Infinity) is reached first.
   */
  addWorkingMs(from: InstantInput, ms: number, excluded: readonly ExcludedInterval[] = []): number {
    const start = instantMs(from);
    if (amountMs(ms) === 0) return start;
    return excluded.length === 0 ? this.addPlain(start, ms) : addExcluding(this.working, start, ms, mergeIntervals(excluded));
  }

  /**
   * The earliest instant t (epoch ms) with naturalMsBetween(from, t, excluded) === ms: wall-clock time, except
   * that excluded intervals do not count; Infinity when an open excluded interval is reached first.
   */
  addNaturalMs(from: InstantInput, ms: number, excluded: readonly ExcludedInterval[] = []): number {
    const start = instantMs(from);
    if (amountMs(ms) === 0) return start;
    return addExcluding(this.natural, start, ms, mergeIntervals(excluded));
  }

  /** A duration as an amount of time (ms) in its own measure: working time for working units, wall-clock otherwise. */
  durationMs(duration: Duration): number {
    switch (duration.unit) {
      case 'working_hours':
      case 'natural_hours':
        return Math.round(duration.amount * HOUR_MS);
      case 'working_days':
        return Math.round(duration.amount * this.workingDayMs);
      case 'natural_minutes':
        return Math.round(duration.amount * MINUTE_MS);
      default: {
        const unknown: never = duration;
        throw new Error(`unknown duration unit ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** When a stage started at `from` with time limit `duration` is due (epoch ms); excluded intervals extend it. */
  deadline(from: InstantInput, duration: Duration, excluded: readonly ExcludedInterval[] = []): number {
    const ms = this.durationMs(duration);
    return isWorkingUnit(duration.unit) ? this.addWorkingMs(from, ms, excluded) : this.addNaturalMs(from, ms, excluded);
  }

  /**
   * How much of a stage's time [from, due) has passed at `now`: 0 at the start, 1 at the deadline, above 1 when
   * overdue; in working time for working units and in natural time otherwise, excluded intervals not counting.
   * A stage with no time at all is 0 before its deadline and 1 from it on.
   */
  elapsedFraction(
    from: InstantInput,
    due: InstantInput,
    now: InstantInput,
    unit: Duration['unit'],
    excluded: readonly ExcludedInterval[] = [],
  ): number {
    const clock = isWorkingUnit(unit) ? this.working : this.natural;
    const [start, end, at] = [instantMs(from), instantMs(due), instantMs(now)];
    const spans = mergeIntervals(excluded);
    const total = measureExcluding(clock, start, end, spans);
    if (total <= 0) return at >= end ? 1 : 0;
    return measureExcluding(clock, start, at, spans) / total;
  }

  /** Working time from a fixed origin (1970-01-01 local) to t: workingMsBetween(a, b) = cumulative(b) − cumulative(a). */
  private cumulative(t: number): number {
    const day = localDayOf(t);
    const before = this.days.workingDaysBefore(day) * this.workingDayMs;
    return this.days.isWorking(day) ? before + this.schedule.officeMsBefore(t - localMidnight(day)) : before;
  }

  /** The earliest t with cumulative(t) = cumulative(from) + ms, for ms > 0 and no exclusions. */
  private addPlain(from: number, ms: number): number {
    const target = this.cumulative(from) + ms;
    const fullDays = Math.floor(target / this.workingDayMs);
    const rest = target - fullDays * this.workingDayMs;
    // Landing exactly on a whole number of days: earliest is the close of the last of them, not the next morning.
    if (rest === 0) return localMidnight(this.days.nthWorkingDay(fullDays - 1)) + this.schedule.closeMs;
    return localMidnight(this.days.nthWorkingDay(fullDays)) + this.schedule.offsetAfter(rest);
  }
}

const isWorkingUnit = (unit: Duration['unit']): boolean => unit === 'working_hours' || unit === 'working_days';

function instantMs(instant: InstantInput): number {
  const ms = toMs(instant);
  if (!Number.isFinite(ms)) throw new RangeError(`not a finite instant: ${String(instant)}`);
  return ms;
}

function amountMs(ms: number): number {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`an amount of time must be finite and not negative, got ${ms}`);
  return ms;
}
