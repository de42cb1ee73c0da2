import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  daysInRange,
  parseLocalDate,
  rangeId,
  shanghaiDate,
  storedPartsOf,
  storedPartsOfRange,
  storedWindowsOf,
  windowId,
  windowsOf,
  WindowKinds,
} from './windows.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Local Asia/Shanghai midnight of a calendar date, as an instant (China keeps UTC+8 all year). */
const shanghaiMidnight = (year: number, month: number, day: number) => Date.UTC(year, month - 1, day) - 8 * HOUR;

/**
 * ISO-8601 week by the ordinal-date method (independent of the code under test):
 * week = floor((ordinal - weekday + 10) / 7), rolled into the previous or next year at the edges.
 */
function referenceIsoWeek(year: number, month: number, day: number): string {
  const p = (y: number) => (y + Math.floor(y / 4) - Math.floor(y / 100) + Math.floor(y / 400)) % 7;
  const weeksIn = (y: number) => (p(y) === 4 || p(y - 1) === 3 ? 53 : 52);
  const ordinal = (Date.UTC(year, month - 1, day) - Date.UTC(year, 0, 1)) / DAY + 1;
  const weekday = ((new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7) + 1; // Monday 1 … Sunday 7
  let weekYear = year;
  let week = Math.floor((ordinal - weekday + 10) / 7);
  if (week < 1) {
    weekYear = year - 1;
    week = weeksIn(weekYear);
  } else if (week > weeksIn(year)) {
    weekYear = year + 1;
    week = 1;
  }
  return `w${weekYear}-W${String(week).padStart(2, '0')}`;
}

describe('windowsOf', () => {
  it('lists one window of each kind, in the order of WindowKinds', () => {
    const ids = windowsOf('2026-05-20T04:00:00Z');
    expect(ids).toHaveLength(WindowKinds.length);
    expect(ids).toEqual(['d2026-05-20', 'w2026-W21', 'm2026-05', 'q2026-Q2', 'y2026', 'all']);
  });

  it('places an instant by its Shanghai date, not its UTC date', () => {
    // 17:00 UTC on Sunday 22 November is 01:00 on Monday 23 November in Shanghai: a new day and a new ISO week.
    expect(windowsOf('2026-11-22T17:00:00Z')).toEqual(['d2026-11-23', 'w2026-W48', 'm2026-11', 'q2026-Q4', 'y2026', 'all']);
    expect(windowsOf('2026-11-22T15:59:59.999Z')).toEqual(['d2026-11-22', 'w2026-W47', 'm2026-11', 'q2026-Q4', 'y2026', 'all']);
  });

  it('reads offsets in the instant, and takes a Date, a string or epoch milliseconds alike', () => {
    const ms = Date.parse('2026-11-22T17:00:00Z');
    expect(windowsOf('2026-11-23T01:00:00+08:00')).toEqual(windowsOf(ms));
    expect(windowsOf(new Date(ms))).toEqual(windowsOf(ms));
    expect(windowsOf('2026-11-22T12:00:00-05:00')[0]).toBe('d2026-11-23');
  });

  it('turns the day at Shanghai midnight', () => {
    const midnight = shanghaiMidnight(2026, 3, 1);
    expect(windowsOf(midnight - 1)[0]).toBe('d2026-02-28');
    expect(windowsOf(midnight)[0]).toBe('d2026-03-01');
  });

  it('turns the month, quarter and year at Shanghai midnight on New Year', () => {
    const newYear = shanghaiMidnight(2027, 1, 1); // 2026-12-31T16:00:00Z
    expect(new Date(newYear).toISOString()).toBe('2026-12-31T16:00:00.000Z');
    expect(windowsOf(newYear - 1)).toEqual(['d2026-12-31', 'w2026-W53', 'm2026-12', 'q2026-Q4', 'y2026', 'all']);
    // 2027-01-01 is a Friday, still in the last ISO week of 2026.
    expect(windowsOf(newYear)).toEqual(['d2027-01-01', 'w2026-W53', 'm2027-01', 'q2027-Q1', 'y2027', 'all']);
  });

  it('puts every instant in the same all-time window', () => {
    expect(windowsOf(0)[5]).toBe('all');
    expect(windowsOf('2099-12-31T23:59:59Z')[5]).toBe('all');
  });

  it('refuses something that is not an instant', () => {
    expect(() => windowsOf('not a time')).toThrow(/not an instant/);
    expect(() => shanghaiDate(Number.NaN)).toThrow();
  });

  it('property: the day is the UTC date of instant + 8h, the week is within 1..53 and is the ISO week of that day', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1971, 0, 1), max: Date.UTC(2199, 11, 31) }), (ms) => {
        const [day, week, month, quarter, year] = windowsOf(ms);
        const local = new Date(ms + 8 * HOUR).toISOString().slice(0, 10);
        expect(day).toBe(`d${local}`);
        const [y, m, d] = local.split('-').map(Number) as [number, number, number];
        expect(month).toBe(`m${local.slice(0, 7)}`);
        expect(quarter).toBe(`q${y}-Q${m <= 3 ? 1 : m <= 6 ? 2 : m <= 9 ? 3 : 4}`);
        expect(year).toBe(`y${y}`);
        const match = /^w(\d{4})-W(\d{2})$/.exec(week!);
        expect(match).not.toBeNull();
        const weekNo = Number(match![2]);
        expect(weekNo).toBeGreaterThanOrEqual(1);
        expect(weekNo).toBeLessThanOrEqual(53);
        expect(Math.abs(Number(match![1]) - y)).toBeLessThanOrEqual(1);
        expect(week).toBe(referenceIsoWeek(y, m, d));
      }),
      { numRuns: 2000 },
    );
  });

  it('property: the seven days Monday..Sunday of an ISO week share one week window, and the next Monday starts another', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60_000 }), (daysAfter) => {
        // 1973-01-01 was a Monday.
        const monday = Date.UTC(1973, 0, 1) + daysAfter * 7 * DAY;
        const weekOf = (utcDate: number) => windowsOf(utcDate - 8 * HOUR + 12 * HOUR)[1]; // local noon of that date
        const ids = Array.from({ length: 7 }, (_, i) => weekOf(monday + i * DAY));
        expect(new Set(ids).size).toBe(1);
        expect(weekOf(monday + 7 * DAY)).not.toBe(ids[0]);
      }),
    );
  });
});

describe('ISO weeks at the year boundary', () => {
  const week = (year: number, month: number, day: number) => windowId('week', { year, month, day });

  it('knows the real calendar: 2026-01-01 is a Thursday, so 2026 has 53 ISO weeks', () => {
    expect(new Date(Date.UTC(2026, 0, 1)).getUTCDay()).toBe(4);
    expect(week(2026, 1, 1)).toBe('w2026-W01');
    expect(week(2026, 12, 31)).toBe('w2026-W53');
  });

  it('puts the first days of 2027 (Friday to Sunday) in 2026-W53 and Monday 2027-01-04 in 2027-W01', () => {
    expect(week(2027, 1, 1)).toBe('w2026-W53');
    expect(week(2027, 1, 2)).toBe('w2026-W53');
    expect(week(2027, 1, 3)).toBe('w2026-W53');
    expect(week(2027, 1, 4)).toBe('w2027-W01');
  });

  it('puts Monday 2025-12-29 in 2026-W01 and Sunday 2025-12-28 in 2025-W52', () => {
    expect(week(2025, 12, 29)).toBe('w2026-W01');
    expect(week(2025, 12, 28)).toBe('w2025-W52');
  });

  it('has no week 53 in a year that does not start (or, in a leap year, end) on a Thursday', () => {
    // 2025 starts on a Wednesday and is not a leap year: 52 weeks, its 31 December is already 2026-W01.
    expect(week(2025, 12, 31)).toBe('w2026-W01');
    // 2020 is a leap year starting on a Wednesday: 53 weeks.
    expect(week(2020, 12, 31)).toBe('w2020-W53');
    expect(week(2021, 1, 3)).toBe('w2020-W53');
  });
});

describe('other windows of a local date', () => {
  it.each([
    [1, 'q2026-Q1'],
    [3, 'q2026-Q1'],
    [4, 'q2026-Q2'],
    [6, 'q2026-Q2'],
    [7, 'q2026-Q3'],
    [9, 'q2026-Q3'],
    [10, 'q2026-Q4'],
    [12, 'q2026-Q4'],
  ])('month %i is in %s', (month, quarter) => {
    expect(windowId('quarter', { year: 2026, month, day: 15 })).toBe(quarter);
  });

  it('names day, month and year windows with zero-padded fields', () => {
    const date = { year: 2026, month: 3, day: 7 };
    expect(windowId('day', date)).toBe('d2026-03-07');
    expect(windowId('month', date)).toBe('m2026-03');
    expect(windowId('year', date)).toBe('y2026');
    expect(windowId('all', date)).toBe('all');
  });

  it('moves to Q2 at local midnight on 1 April', () => {
    const april = shanghaiMidnight(2026, 4, 1);
    expect(windowsOf(april - 1)[3]).toBe('q2026-Q1');
    expect(windowsOf(april)[3]).toBe('q2026-Q2');
  });
});

describe('parseLocalDate', () => {
  it('parses a real date', () => {
    expect(parseLocalDate('2026-11-23')).toEqual({ year: 2026, month: 11, day: 23 });
    expect(parseLocalDate('2028-02-29')).toEqual({ year: 2028, month: 2, day: 29 });
    expect(parseLocalDate('2000-02-29')).toEqual({ year: 2000, month: 2, day: 29 });
  });

  it.each(['2026-02-30', '2026-02-29', '2100-02-29', '2026-04-31', '2026-13-01', '2026-00-10', '2026-01-00', '2026-01-32'])(
    'rejects %s, which is not on the calendar',
    (text) => {
      expect(parseLocalDate(text)).toBeUndefined();
    },
  );

  it.each(['', '2026-2-3', '26-02-03', '20260203', '2026/02/03', ' 2026-02-03', '2026-02-03 ', '2026-02-03T00:00:00Z', 'yyyy-mm-dd'])(
    'rejects the badly formatted %j',
    (text) => {
      expect(parseLocalDate(text)).toBeUndefined();
    },
  );

  it('round-trips with the day window of that date', () => {
    const date = parseLocalDate('2026-12-31')!;
    expect(windowId('day', date)).toBe('d2026-12-31');
    expect(shanghaiDate(shanghaiMidnight(date.year, date.month, date.day))).toEqual(date);
  });
});

describe('stored windows and the parts of the others', () => {
  it('keeps day, month and all time for an instant, in Asia/Shanghai', () => {
    expect(storedWindowsOf('2026-11-22T17:00:00Z')).toEqual(['d2026-11-23', 'm2026-11', 'all']);
  });

  it('makes a week of its seven days, Monday to Sunday, across a year boundary', () => {
    // 2026-W53 runs from Monday 28 December 2026 to Sunday 3 January 2027.
    expect(storedPartsOf('w2026-W53')).toEqual([
      'd2026-12-28',
      'd2026-12-29',
      'd2026-12-30',
      'd2026-12-31',
      'd2027-01-01',
      'd2027-01-02',
      'd2027-01-03',
    ]);
    // 2026-W01 starts on Monday 29 December 2025.
    expect(storedPartsOf('w2026-W01')[0]).toBe('d2025-12-29');
  });

  it('makes a quarter of three months and a year of twelve; day, month and all are themselves', () => {
    expect(storedPartsOf('q2026-Q4')).toEqual(['m2026-10', 'm2026-11', 'm2026-12']);
    expect(storedPartsOf('y2026')).toHaveLength(12);
    expect(storedPartsOf('y2026')[11]).toBe('m2026-12');
    expect(storedPartsOf('d2026-11-23')).toEqual(['d2026-11-23']);
    expect(storedPartsOf('m2026-11')).toEqual(['m2026-11']);
    expect(storedPartsOf('all')).toEqual(['all']);
  });

  it('every window an instant is in is made of stored windows that hold it (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 11, 31) }), (ms) => {
        const stored = new Set(storedWindowsOf(ms));
        for (const window of windowsOf(ms)) {
          expect(storedPartsOf(window).filter((part) => stored.has(part))).toHaveLength(1);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('ranges of local dates', () => {
  const date = (text: string) => parseLocalDate(text)!;

  it('names a range and sums it from days and whole months', () => {
    expect(rangeId(date('2026-11-01'), date('2026-11-20'))).toBe('r2026-11-01..2026-11-20');
    expect(storedPartsOf('r2026-11-01..2026-11-03')).toEqual(['d2026-11-01', 'd2026-11-02', 'd2026-11-03']);
    expect(storedPartsOf('r2026-11-01..2026-11-30')).toEqual(['m2026-11']);
    expect(storedPartsOf('r2026-11-05..2026-11-05')).toEqual(['d2026-11-05']);
  });

  it('uses the month counters of whole months across a year boundary, days at the ends', () => {
    expect(storedPartsOfRange(date('2026-11-29'), date('2027-02-02'))).toEqual([
      'd2026-11-29',
      'd2026-11-30',
      'm2026-12',
      'm2027-01',
      'd2027-02-01',
      'd2027-02-02',
    ]);
    // A whole year is its twelve months; February of a leap year whole, to its 29th.
    expect(storedPartsOfRange(date('2027-01-01'), date('2027-12-31'))).toEqual(storedPartsOf('y2027'));
    expect(storedPartsOfRange(date('2028-02-01'), date('2028-02-29'))).toEqual(['m2028-02']);
    expect(storedPartsOfRange(date('2028-02-01'), date('2028-02-28'))).toHaveLength(28);
  });

  it('counts the days of a range, both ends included', () => {
    expect(daysInRange(date('2026-11-01'), date('2026-11-20'))).toBe(20);
    expect(daysInRange(date('2026-12-31'), date('2027-01-01'))).toBe(2);
    expect(daysInRange(date('2026-11-02'), date('2026-11-01'))).toBe(0);
    expect(storedPartsOfRange(date('2026-11-02'), date('2026-11-01'))).toEqual([]);
  });

  it('holds each day of the range once and no other, with at most 60 day counters (property)', () => {
    const day0 = Date.UTC(2024, 0, 1) / 86_400_000;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 0, max: 800 }), (start, length) => {
        const at = (n: number) => {
          const d = new Date((day0 + n) * 86_400_000);
          return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
        };
        const [from, to] = [at(start), at(start + length)];
        const parts = storedPartsOfRange(from, to);
        const partSet = new Set(parts);
        expect(partSet.size).toBe(parts.length);
        // Every day of the range is in exactly one part: its day counter or its month's.
        const covered = new Map<string, number>();
        const misses: string[] = [];
        for (let n = start; n <= start + length; n++) {
          const d = at(n);
          const holders = [windowId('day', d), windowId('month', d)].filter((p) => partSet.has(p));
          if (holders.length !== 1) misses.push(windowId('day', d));
          else covered.set(holders[0]!, (covered.get(holders[0]!) ?? 0) + 1);
        }
        expect(misses).toEqual([]);
        // And a part holds no day outside the range: a month part is whole inside it.
        expect(parts.filter((p) => !covered.has(p))).toEqual([]);
        const partial = parts.filter(
          (p) => p.startsWith('m') && covered.get(p) !== new Date(Date.UTC(Number(p.slice(1, 5)), Number(p.slice(6, 8)), 0)).getUTCDate(),
        );
        expect(partial).toEqual([]);
        expect(parts.filter((p) => p.startsWith('d')).length).toBeLessThanOrEqual(60);
      }),
      { numRuns: 150 },
    );
  });
});
