import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HolidayData } from './holidays.ts';
import { WorkingCalendar } from './working-calendar.ts';

const holidays = HolidayData.parse(
  JSON.parse(readFileSync(new URL('../../../../data/calendars/cn-public-holidays.json', import.meta.url), 'utf8')),
);
const calendar = new WorkingCalendar({ holidays });

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const runs = { numRuns: 200 };

/** Local midnight (epoch ms) of a `YYYY-MM-DD` in Asia/Shanghai. */
const midnight = (text: string): number => Date.parse(`${text}T00:00:00+08:00`);
const OFFICE: readonly [number, number][] = [
  [8.5 * HOUR, 12 * HOUR],
  [14.5 * HOUR, 17.5 * HOUR],
];

/**
 * A slow, obviously correct reference, written from the rule and the raw data rather than from the code under
 * test: walk day by day and add the overlap of [from, to) with each working day's office periods.
 */
const holidayDays = new Set<string>();
const makeUpDays = new Set<string>();
for (const notice of Object.values(holidays.years)) {
  for (const period of notice.holidays) {
    for (let d = midnight(period.from); d <= midnight(period.to); d += DAY) holidayDays.add(isoDate(d));
  }
  for (const day of notice.makeUpWorkdays) makeUpDays.add(day);
}
const localMidnightOf = (t: number): number => Math.floor((t + 8 * HOUR) / DAY) * DAY - 8 * HOUR;
function isoDate(localMidnight: number): string {
  return new Date(localMidnight + 8 * HOUR).toISOString().slice(0, 10);
}
function referenceWorking(localMidnight: number): boolean {
  const text = isoDate(localMidnight);
  const weekday = new Date(localMidnight + 8 * HOUR).getUTCDay(); // Sunday 0
  return makeUpDays.has(text) || (!holidayDays.has(text) && weekday >= 1 && weekday <= 5);
}
function referenceBetween(from: number, to: number): number {
  let total = 0;
  for (let day = localMidnightOf(from); day < to; day += DAY) {
    if (!referenceWorking(day)) continue;
    for (const [start, end] of OFFICE) total += Math.max(0, Math.min(to, day + end) - Math.max(from, day + start));
  }
  return total;
}

// Instants from December 2024 to January 2027: both published years and a little of the unpublished ones around.
const FIRST = midnight('2024-12-01');
const LAST_DAY = (midnight('2027-01-31') - FIRST) / DAY;
/** Times of day that matter: the edges of the office periods, and anything in between. */
const timeOfDay = fc.oneof(
  fc.constantFrom(0, 8.5 * HOUR, 12 * HOUR, 14.5 * HOUR, 17.5 * HOUR, DAY - 1),
  fc.integer({ min: 0, max: DAY / MINUTE - 1 }).map((m) => m * MINUTE),
  fc.integer({ min: 0, max: DAY - 1 }),
);
const instant = fc.tuple(fc.integer({ min: 0, max: LAST_DAY }), timeOfDay).map(([day, time]) => FIRST + day * DAY + time);
/** Up to 30 working days, in whole minutes or any ms, sometimes exactly whole days. */
const workingMs = fc.oneof(
  fc.integer({ min: 0, max: 30 * 6.5 * 60 }).map((m) => m * MINUTE),
  fc.integer({ min: 0, max: 30 * 6.5 * HOUR }),
  fc.integer({ min: 0, max: 30 }).map((d) => d * 6.5 * HOUR),
);
const excludedIntervals = fc.array(
  fc.tuple(instant, fc.integer({ min: 0, max: 10 * DAY })).map(([from, length]) => ({ from, to: from + length })),
  { maxLength: 4 },
);
/** How much of [from, to) the intervals cover, each moment once: a reference sweep over the sorted edges. */
function suspendedWithin(from: number, to: number, intervals: readonly { from: number; to: number }[]): number {
  let covered = 0;
  let reached = from;
  for (const i of [...intervals].sort((a, b) => a.from - b.from)) {
    const start = Math.max(i.from, reached);
    const end = Math.min(i.to, to);
    if (end > start) covered += end - start;
    reached = Math.max(reached, Math.min(i.to, to));
  }
  return covered;
}
const ordered = fc.tuple(instant, instant).map(([a, b]): readonly [number, number] => (a <= b ? [a, b] : [b, a]));

describe('WorkingCalendar properties', () => {
  it('measures working time as the day-by-day reference does', () => {
    fc.assert(
      fc.property(ordered, ([from, to]) => {
        expect(calendar.workingMsBetween(from, to)).toBe(referenceBetween(from, to));
      }),
      runs,
    );
  });

  it('is monotone: more working time never gives an earlier instant', () => {
    fc.assert(
      fc.property(instant, workingMs, workingMs, excludedIntervals, (t, a, b, excluded) => {
        const [less, more] = a <= b ? [a, b] : [b, a];
        expect(calendar.addWorkingMs(t, less, excluded)).toBeLessThanOrEqual(calendar.addWorkingMs(t, more, excluded));
        expect(calendar.addNaturalMs(t, less, excluded)).toBeLessThanOrEqual(calendar.addNaturalMs(t, more, excluded));
      }),
      runs,
    );
  });

  it('is additive: adding a then b is adding a + b', () => {
    fc.assert(
      fc.property(instant, workingMs, workingMs, excludedIntervals, (t, a, b, excluded) => {
        expect(calendar.addWorkingMs(calendar.addWorkingMs(t, a), b)).toBe(calendar.addWorkingMs(t, a + b));
        expect(calendar.addWorkingMs(calendar.addWorkingMs(t, a, excluded), b, excluded)).toBe(calendar.addWorkingMs(t, a + b, excluded));
      }),
      runs,
    );
  });

  it('measures back exactly what was added, suspended time or not', () => {
    fc.assert(
      fc.property(instant, workingMs, excludedIntervals, (t, ms, excluded) => {
        expect(calendar.workingMsBetween(t, calendar.addWorkingMs(t, ms))).toBe(ms);
        expect(calendar.workingMsBetween(t, calendar.addWorkingMs(t, ms, excluded), excluded)).toBe(ms);
      }),
      runs,
    );
  });

  it('ends a deadline that runs out as a suspension begins no later than that beginning', () => {
    fc.assert(
      fc.property(ordered, fc.integer({ min: 1, max: 10 * DAY }), ([t, start], length) => {
        const suspended = [{ from: start, to: start + length }];
        const due = calendar.addWorkingMs(t, calendar.workingMsBetween(t, start), suspended);
        expect(due).toBeLessThanOrEqual(start);
        expect(due).toBe(calendar.addWorkingMs(t, calendar.workingMsBetween(t, start)));
      }),
      runs,
    );
  });

  it('adds back to at most the later instant, and exactly to it when that is inside office hours on a working day', () => {
    fc.assert(
      fc.property(ordered, ([t, u]) => {
        expect(calendar.addWorkingMs(t, calendar.workingMsBetween(t, u))).toBeLessThanOrEqual(u);
      }),
      runs,
    );
    // u strictly inside an office period of a working day, after t.
    const insideOffice = fc
      .tuple(instant, fc.integer({ min: 1, max: 40 }), fc.constantFrom(...OFFICE), fc.double({ min: 0.001, max: 0.999, noNaN: true }))
      .map(([t, days, [start, end], f]) => {
        const day = localMidnightOf(t) + days * DAY;
        return [t, day, day + start + Math.round(f * (end - start))] as const;
      })
      .filter(([, day]) => referenceWorking(day));
    fc.assert(
      fc.property(insideOffice, ([t, , u]) => {
        expect(calendar.addWorkingMs(t, calendar.workingMsBetween(t, u))).toBe(u);
      }),
      runs,
    );
  });

  it('never counts a public holiday', () => {
    const periods = Object.values(holidays.years).flatMap((notice) => notice.holidays);
    const insideHoliday = fc.tuple(fc.constantFrom(...periods), fc.nat(), fc.nat()).map(([period, x, y]): readonly [number, number] => {
      const start = midnight(period.from);
      const length = midnight(period.to) + DAY - start;
      const [a, b] = [start + (x % length), start + (y % length)];
      return a <= b ? [a, b] : [b, a];
    });
    fc.assert(
      fc.property(insideHoliday, ([a, b]) => {
        expect(calendar.workingMsBetween(a, b)).toBe(0);
      }),
      runs,
    );
  });

  it('counts a make-up weekend day as a full working day', () => {
    const makeUp = Object.values(holidays.years).flatMap((notice) => notice.makeUpWorkdays);
    fc.assert(
      fc.property(fc.constantFrom(...makeUp), (day) => {
        const [year, month, date] = day.split('-').map(Number) as [number, number, number];
        expect(calendar.isWorkingDay({ year, month, day: date })).toBe(true);
        expect(calendar.workingMsBetween(midnight(day) + 8.5 * HOUR, midnight(day) + 17.5 * HOUR)).toBe(calendar.workingDayMs);
      }),
      runs,
    );
  });

  it('only ever loses working time to suspensions, and all of it to one covering the range', () => {
    fc.assert(
      fc.property(ordered, excludedIntervals, excludedIntervals, ([from, to], some, more) => {
        const all = calendar.workingMsBetween(from, to);
        const less = calendar.workingMsBetween(from, to, some);
        const fewer = calendar.workingMsBetween(from, to, [...some, ...more]);
        expect(less).toBeGreaterThanOrEqual(0);
        expect(less).toBeLessThanOrEqual(all);
        expect(fewer).toBeLessThanOrEqual(less);
        expect(calendar.workingMsBetween(from, to, [...some, { from: from - 1, to }])).toBe(0);
      }),
      runs,
    );
  });

  it('counts natural time as the wall clock less suspended time', () => {
    fc.assert(
      fc.property(instant, workingMs, excludedIntervals, (t, ms, excluded) => {
        expect(calendar.addNaturalMs(t, ms)).toBe(t + ms);
        const end = calendar.addNaturalMs(t, ms, excluded);
        expect(end - t - suspendedWithin(t, end, excluded)).toBe(ms);
        expect(calendar.naturalMsBetween(t, end, excluded)).toBe(ms);
      }),
      runs,
    );
  });
});
