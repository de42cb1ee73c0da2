/** Calendar windows of report time, in Asia/Shanghai (UTC+8 all year: China keeps no daylight saving). */
export const WindowKinds = ['day', 'week', 'month', 'quarter', 'year', 'all'] as const;
export type WindowKind = (typeof WindowKinds)[number];

/** Asia/Shanghai is UTC+8 all year (China keeps no daylight saving), so local time is UTC + 8 h. The one definition. */
export const SHANGHAI_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;

const pad2 = (n: number) => String(n).padStart(2, '0');

/** Local calendar fields of an instant in Asia/Shanghai. */
export function shanghaiDate(instant: Date | string | number): { year: number; month: number; day: number } {
  const ms = typeof instant === 'number' ? instant : typeof instant === 'string' ? Date.parse(instant) : instant.getTime();
  if (Number.isNaN(ms)) throw new Error(`not an instant: ${String(instant)}`);
  const local = new Date(ms + SHANGHAI_OFFSET_MS);
  return { year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate() };
}

/** ISO-8601 week (Monday first; week 1 holds the year's first Thursday) of a local date. */
function isoWeek(year: number, month: number, day: number): { weekYear: number; week: number } {
  const date = Date.UTC(year, month - 1, day);
  const weekday = (new Date(date).getUTCDay() + 6) % 7; // Monday = 0
  const thursday = date + (3 - weekday) * DAY_MS;
  const weekYear = new Date(thursday).getUTCFullYear();
  const week = Math.floor((thursday - Date.UTC(weekYear, 0, 1)) / (7 * DAY_MS)) + 1;
  return { weekYear, week };
}

/** The id of the window of `kind` that holds a local date, e.g. month → m2026-11, week → w2026-W47. */
export function windowId(kind: WindowKind, date: { year: number; month: number; day: number }): string {
  switch (kind) {
    case 'day':
      return `d${date.year}-${pad2(date.month)}-${pad2(date.day)}`;
    case 'week': {
      const { weekYear, week } = isoWeek(date.year, date.month, date.day);
      return `w${weekYear}-W${pad2(week)}`;
    }
    case 'month':
      return `m${date.year}-${pad2(date.month)}`;
    case 'quarter':
      return `q${date.year}-Q${Math.ceil(date.month / 3)}`;
    case 'year':
      return `y${date.year}`;
    case 'all':
      return 'all';
    default: {
      const unknown: never = kind;
      throw new Error(`unknown window ${String(unknown)}`);
    }
  }
}

/** Every window (one of each kind) that an instant of report time falls in. */
export function windowsOf(instant: Date | string | number): string[] {
  const date = shanghaiDate(instant);
  return WindowKinds.map((kind) => windowId(kind, date));
}

/** Parses a local calendar date `YYYY-MM-DD`; undefined when it is not a real date. */
export function parseLocalDate(text: string): { year: number; month: number; day: number } | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) return undefined;
  return { year, month, day };
}

/**
 * The windows kept as counters: day, month and all time. A week is the sum of its seven days, a
 * quarter of its three months, a year of its twelve: read at query time, not written per event,
 * which halves the work and the memory of every event.
 */
export function storedWindowsOf(instant: Date | string | number): string[] {
  const date = shanghaiDate(instant);
  return [windowId('day', date), windowId('month', date), 'all'];
}

const DAY = 86_400_000;

/** A local calendar date in Asia/Shanghai. */
export interface LocalDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

const dayNumber = (d: LocalDate) => Date.UTC(d.year, d.month - 1, d.day) / DAY;
const fromDayNumber = (n: number): LocalDate => {
  const d = new Date(n * DAY);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
};
const formatDate = (d: LocalDate) => `${d.year}-${pad2(d.month)}-${pad2(d.day)}`;

/** How many days `from`..`to` holds, both included; 0 or less when `to` is before `from`. */
export function daysInRange(from: LocalDate, to: LocalDate): number {
  return dayNumber(to) - dayNumber(from) + 1;
}

/**
 * The id of a range of report time, `from` to `to` local dates both included: `r2026-11-01..2026-11-20`. Not a stored
 * window: `storedPartsOf` sums it from the day and month counters it is made of.
 */
export function rangeId(from: LocalDate, to: LocalDate): string {
  return `r${formatDate(from)}..${formatDate(to)}`;
}

/**
 * The stored windows whose sum is the range `from`..`to` (both included): the month counter of every whole month it
 * holds, the day counters of the days before and after them. At most 60 day counters plus one per whole month; a
 * whole year is its twelve months (years are not stored: a year counter would cost every event one more write).
 */
export function storedPartsOfRange(from: LocalDate, to: LocalDate): string[] {
  const parts: string[] = [];
  const last = dayNumber(to);
  for (let n = dayNumber(from); n <= last;) {
    const d = fromDayNumber(n);
    const monthEnd = dayNumber({ year: d.year, month: d.month + 1, day: 1 }) - 1; // Date.UTC rolls month 13 over
    if (d.day === 1 && monthEnd <= last) {
      parts.push(windowId('month', d));
      n = monthEnd + 1;
    } else {
      parts.push(windowId('day', d));
      n += 1;
    }
  }
  return parts;
}

/** The stored windows whose sum is the given window: itself for day, month and all. */
export function storedPartsOf(window: string): string[] {
  const range = /^r(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$/.exec(window);
  if (range) {
    const [from, to] = [parseLocalDate(range[1]!), parseLocalDate(range[2]!)];
    if (!from || !to) throw new Error(`not a range of dates: ${window}`);
    return storedPartsOfRange(from, to);
  }
  const week = /^w(\d{4})-W(\d{2})$/.exec(window);
  if (week) {
    // Monday of ISO week 1 is the Monday of the week holding 4 January.
    const year = Number(week[1]);
    const jan4 = Date.UTC(year, 0, 4);
    const monday = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * DAY + (Number(week[2]) - 1) * 7 * DAY;
    return Array.from({ length: 7 }, (_, i) => {
      const d = new Date(monday + i * DAY);
      return windowId('day', { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() });
    });
  }
  const quarter = /^q(\d{4})-Q([1-4])$/.exec(window);
  if (quarter) {
    const first = (Number(quarter[2]) - 1) * 3 + 1;
    return [0, 1, 2].map((i) => windowId('month', { year: Number(quarter[1]), month: first + i, day: 1 }));
  }
  const year = /^y(\d{4})$/.exec(window);
  if (year) return Array.from({ length: 12 }, (_, i) => windowId('month', { year: Number(year[1]), month: i + 1, day: 1 }));
  return [window];
}
