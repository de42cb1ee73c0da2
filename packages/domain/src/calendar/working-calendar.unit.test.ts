import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HolidayData } from './holidays.ts';
import { WorkingCalendar } from './working-calendar.ts';

const holidays = HolidayData.parse(
  JSON.parse(readFileSync(new URL('../../../../data/calendars/cn-public-holidays.json', import.meta.url), 'utf8')),
);
const calendar = new WorkingCalendar({ holidays });

const HOUR = 3_600_000;
/** An Asia/Shanghai wall-clock time, `YYYY-MM-DD HH:MM`, as epoch ms. */
const at = (local: string): number => Date.parse(`${local.replace(' ', 'T')}:00+08:00`);
/** Epoch ms back to Shanghai wall-clock time, for readable failures. */
const local = (ms: number): string => new Date(ms + 8 * HOUR).toISOString().slice(0, 16).replace('T', ' ');
const date = (text: string) => ({ year: Number(text.slice(0, 4)), month: Number(text.slice(5, 7)), day: Number(text.slice(8, 10)) });

// Default office hours: 08:30–12:00 (3.5 h) and 14:30–17:30 (3 h); one working day = 6.5 h of working time.

describe('working days of 2026, from the State Council notice', () => {
  it('counts Thursday 8 October: 国庆节 is 1–7 October, so the 8th is an ordinary working day', () => {
    expect(calendar.isWorkingDay(date('2026-10-07'))).toBe(false);
    expect(calendar.isWorkingDay(date('2026-10-08'))).toBe(true);
    expect(calendar.isWorkingDay(date('2026-10-09'))).toBe(true);
  });

  it('counts the make-up Sunday 20 September and Saturday 10 October, not the Sunday after', () => {
    expect(calendar.isWorkingDay(date('2026-09-20'))).toBe(true);
    expect(calendar.isWorkingDay(date('2026-10-10'))).toBe(true);
    expect(calendar.isWorkingDay(date('2026-10-11'))).toBe(false);
    expect(calendar.workingMsBetween(at('2026-09-20 00:00'), at('2026-09-21 00:00'))).toBe(6.5 * HOUR);
  });

  it('never counts 春节 15–23 February, though the Saturday before (14th) is a make-up day', () => {
    for (let day = 15; day <= 23; day++) expect(calendar.isWorkingDay({ year: 2026, month: 2, day })).toBe(false);
    expect(calendar.workingMsBetween(at('2026-02-15 00:00'), at('2026-02-24 00:00'))).toBe(0);
    expect(calendar.isWorkingDay(date('2026-02-14'))).toBe(true);
    expect(calendar.isWorkingDay(date('2026-02-24'))).toBe(true);
  });

  it('counts 248 working days in 2026', () => {
    // 261 weekdays (365 days from a Thursday), minus 19 weekday holidays (元旦 2, 春节 6, 清明 1, 劳动 3, 端午 1,
    // 中秋 1, 国庆 5), plus 6 make-up weekend days.
    expect(calendar.workingMsBetween(at('2026-01-01 00:00'), at('2027-01-01 00:00'))).toBe(248 * 6.5 * HOUR);
  });

  it('follows the weekday rule in a year without a notice, and says it does not cover it', () => {
    expect(calendar.knownYears).toEqual([2025, 2026]);
    expect(calendar.covers(at('2026-12-31 23:59'))).toBe(true);
    expect(calendar.covers(at('2027-01-01 00:00'))).toBe(false);
    expect(calendar.covers(new Date('2026-12-31T16:00:00Z'))).toBe(false); // already 2027 in Shanghai
    expect(calendar.isWorkingDay(date('2027-01-01'))).toBe(true); // a Friday; 元旦 2027 is not published yet
    expect(calendar.isWorkingDay(date('2027-01-02'))).toBe(false); // Saturday
  });

  it('refuses a date that does not exist', () => {
    expect(() => calendar.isWorkingDay({ year: 2026, month: 2, day: 30 })).toThrow(RangeError);
  });
});

describe('adding working time', () => {
  it('lands one working day from Friday 25 September 10:00 at the close of Monday 28th, past 中秋节', () => {
    // Friday the 25th is itself 中秋节 (holiday 25–27 September), so no working time passes until Monday 08:30;
    // 6.5 h of working time is then the whole of Monday's office hours: the earliest such instant is 17:30.
    expect(local(calendar.deadline(at('2026-09-25 10:00'), { unit: 'working_days', amount: 1 }))).toBe('2026-09-28 17:30');
  });

  it('lands one working day from Thursday 24 September 10:00 at Monday 28th 10:00', () => {
    // Thursday: 10:00–12:00 (2 h) + 14:30–17:30 (3 h) = 5 h; Friday to Sunday are 中秋节; Monday 08:30 + 1.5 h = 10:00.
    expect(local(calendar.deadline(at('2026-09-24 10:00'), { unit: 'working_days', amount: 1 }))).toBe('2026-09-28 10:00');
  });

  it('spans the lunch break for 3 working hours from 11:00 on Monday 12 October', () => {
    // 11:00–12:00 (1 h), lunch, 14:30 + 2 h = 16:30.
    expect(local(calendar.deadline(at('2026-10-12 11:00'), { unit: 'working_hours', amount: 3 }))).toBe('2026-10-12 16:30');
  });

  it('spans lunch and the night for 5 working hours from 11:00 on Monday 12 October', () => {
    // 11:00–12:00 (1 h) + 14:30–17:30 (3 h) = 4 h on Monday; Tuesday 08:30 + 1 h = 09:30.
    expect(local(calendar.deadline(at('2026-10-12 11:00'), { unit: 'working_hours', amount: 5 }))).toBe('2026-10-13 09:30');
  });

  it('counts one working day from Wednesday 30 September 10:00 across 国庆节 to Thursday 8 October 10:00', () => {
    // Wednesday: 2 h + 3 h = 5 h; 1–7 October are 国庆节; Thursday 8th 08:30 + 1.5 h = 10:00.
    expect(local(calendar.deadline(at('2026-09-30 10:00'), { unit: 'working_days', amount: 1 }))).toBe('2026-10-08 10:00');
  });

  it('counts the make-up Saturday 10 October in 3 working days from Friday 9 October 09:00', () => {
    // 3 × 6.5 = 19.5 h. Friday 09:00–12:00 + 14:30–17:30 = 6 h; Saturday 10th (make-up) 6.5 h → 12.5;
    // Sunday off; Monday 12th 6.5 h → 19; Tuesday 08:30 + 0.5 h = 09:00.
    expect(local(calendar.deadline(at('2026-10-09 09:00'), { unit: 'working_days', amount: 3 }))).toBe('2026-10-13 09:00');
  });

  it('gives 违法搭建 15 working days from Monday 14 September 09:00 until Saturday 10 October 09:00', () => {
    // Working days after the 14th: 15–18 (4), Sunday 20th make-up (5), 21–24 (9), [25–27 中秋节], 28–30 (12),
    // [1–7 October 国庆节], 8th (13), 9th (14), Saturday 10th make-up (15); every one a full day, so 09:00.
    expect(local(calendar.deadline(at('2026-09-14 09:00'), { unit: 'working_days', amount: 15 }))).toBe('2026-10-10 09:00');
  });

  it('ends exactly at 12:00 rather than after lunch when the time runs out at noon', () => {
    expect(local(calendar.addWorkingMs(at('2026-10-12 11:00'), HOUR))).toBe('2026-10-12 12:00');
  });

  it('returns the start itself for no time, even outside office hours', () => {
    const sunday = at('2026-10-11 20:00');
    expect(calendar.addWorkingMs(sunday, 0)).toBe(sunday);
    expect(calendar.addWorkingMs(new Date(sunday), 0)).toBe(sunday);
  });

  it('refuses a negative amount', () => {
    expect(() => calendar.addWorkingMs(at('2026-10-12 11:00'), -1)).toThrow(RangeError);
  });
});

describe('suspended time (挂账)', () => {
  it('pushes a deadline back by the working time it covers', () => {
    // 5 working hours from Monday 12 October 11:00 is Tuesday 09:30; suspended Monday 14:00–16:00 covers
    // 14:30–16:00 = 1.5 h of office time, so the deadline moves to Tuesday 11:00.
    const suspended = [{ from: at('2026-10-12 14:00'), to: at('2026-10-12 16:00') }];
    expect(local(calendar.deadline(at('2026-10-12 11:00'), { unit: 'working_hours', amount: 5 }, suspended))).toBe('2026-10-13 11:00');
  });

  it('counts overlapping suspensions once', () => {
    const suspended = [
      { from: at('2026-10-12 09:00'), to: at('2026-10-12 10:00') },
      { from: at('2026-10-12 09:30'), to: at('2026-10-12 11:00') },
      { from: new Date(at('2026-10-12 07:00')), to: new Date(at('2026-10-12 09:15')) },
    ];
    // 08:30–12:00 is 3.5 h, less 09:00–11:00 and 08:30–09:15 merged into 08:30–11:00 (2.5 h): 1 h.
    expect(calendar.workingMsBetween(at('2026-10-12 08:00'), at('2026-10-12 12:00'), suspended)).toBe(HOUR);
  });

  it('stops natural time too: 6 natural hours from 10:00 with 2 hours suspended end at 18:00', () => {
    const suspended = [{ from: at('2026-10-12 12:00'), to: at('2026-10-12 14:00') }];
    expect(local(calendar.deadline(at('2026-10-12 10:00'), { unit: 'natural_hours', amount: 6 }, suspended))).toBe('2026-10-12 18:00');
    expect(local(calendar.deadline(at('2026-10-12 10:00'), { unit: 'natural_minutes', amount: 30 }))).toBe('2026-10-12 10:30');
    expect(calendar.naturalMsBetween(at('2026-10-12 10:00'), at('2026-10-12 18:00'), suspended)).toBe(6 * HOUR);
  });

  it('has no deadline while a suspension that reached it is still open', () => {
    const open = [{ from: at('2026-10-12 12:00'), to: Infinity }];
    expect(calendar.deadline(at('2026-10-12 10:00'), { unit: 'working_hours', amount: 4 }, open)).toBe(Infinity);
    expect(local(calendar.deadline(at('2026-10-12 10:00'), { unit: 'working_hours', amount: 2 }, open))).toBe('2026-10-12 12:00');
    expect(calendar.workingMsBetween(at('2026-10-12 10:00'), at('2026-10-13 10:00'), open)).toBe(2 * HOUR);
  });
});

describe('elapsedFraction', () => {
  const from = at('2026-10-12 11:00');
  const due = calendar.deadline(from, { unit: 'working_hours', amount: 4 }); // Monday 17:30

  it('measures working stages in working time: lunch does not count', () => {
    expect(local(due)).toBe('2026-10-12 17:30');
    expect(calendar.elapsedFraction(from, due, from, 'working_hours')).toBe(0);
    expect(calendar.elapsedFraction(from, due, at('2026-10-12 12:00'), 'working_hours')).toBe(0.25);
    expect(calendar.elapsedFraction(from, due, at('2026-10-12 14:30'), 'working_hours')).toBe(0.25); // 50% is 15:30, not 14:15
    expect(calendar.elapsedFraction(from, due, at('2026-10-12 15:30'), 'working_hours')).toBe(0.5);
    expect(calendar.elapsedFraction(from, due, due, 'working_hours')).toBe(1);
    expect(calendar.elapsedFraction(from, due, at('2026-10-13 10:30'), 'working_hours')).toBe(1.5);
  });

  it('measures natural stages on the wall clock, less suspended time', () => {
    const start = at('2026-10-11 10:00'); // a Sunday: natural time runs anyway
    const end = at('2026-10-11 14:00');
    expect(calendar.elapsedFraction(start, end, at('2026-10-11 12:00'), 'natural_hours')).toBe(0.5);
    const suspended = [{ from: at('2026-10-11 10:00'), to: at('2026-10-11 11:00') }];
    expect(calendar.elapsedFraction(start, end, at('2026-10-11 12:00'), 'natural_minutes', suspended)).toBeCloseTo(1 / 3);
  });

  it('is 0 before and 1 from the deadline of a stage with no time', () => {
    expect(calendar.elapsedFraction(from, from, from - 1, 'natural_minutes')).toBe(0);
    expect(calendar.elapsedFraction(from, from, from, 'natural_minutes')).toBe(1);
  });
});

describe('office hours', () => {
  it('are 6.5 hours a day by default', () => {
    expect(calendar.workingDayMs).toBe(6.5 * HOUR);
  });

  it('can be configured: one working day of a 09:00–17:00 office is 8 hours', () => {
    const nineToFive = new WorkingCalendar({ holidays, officeHours: [{ start: '09:00', end: '17:00' }] });
    expect(nineToFive.workingDayMs).toBe(8 * HOUR);
    expect(local(nineToFive.deadline(at('2026-10-09 13:00'), { unit: 'working_days', amount: 1 }))).toBe('2026-10-10 13:00');
  });

  it('reject periods out of order, overlapping, backwards or outside the day, with a clear message', () => {
    const build = (officeHours: { start: string; end: string }[]) => () => new WorkingCalendar({ holidays, officeHours });
    expect(build([])).toThrow('at least one period');
    expect(build([{ start: '14:30', end: '12:00' }])).toThrow('start 14:30 is not before end 12:00');
    expect(
      build([
        { start: '08:30', end: '12:00' },
        { start: '11:30', end: '17:30' },
      ]),
    ).toThrow('starts before the previous one ends');
    expect(
      build([
        { start: '14:30', end: '17:30' },
        { start: '08:30', end: '12:00' },
      ]),
    ).toThrow('starts before the previous one ends');
    expect(build([{ start: '08:30', end: '24:30' }])).toThrow('between 00:00 and 24:00, got "24:30"');
    expect(build([{ start: '8:30', end: '12:00' }])).toThrow(RangeError);
  });
});
