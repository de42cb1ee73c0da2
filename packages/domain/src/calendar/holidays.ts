import { z } from 'zod';
import { parseLocalDate } from '../time/windows.ts';

/** A local calendar date `YYYY-MM-DD` that exists (no 2026-02-30). */
export const LocalDateText = z.string().refine((text) => parseLocalDate(text) !== undefined, {
  error: (issue) => `expected a real date YYYY-MM-DD, got ${JSON.stringify(issue.input)}`,
});
export type LocalDateText = z.infer<typeof LocalDateText>;

/** One public holiday period, both ends included (e.g. 国庆节 2026-10-01 … 2026-10-07). */
export const HolidayPeriod = z
  .object({
    name: z.string().min(1, 'a holiday needs a name'),
    from: LocalDateText,
    to: LocalDateText,
  })
  // ISO dates compare correctly as text; a malformed date has its own message already.
  .refine((period) => !parseLocalDate(period.from) || !parseLocalDate(period.to) || period.from <= period.to, {
    error: (issue) => {
      const period = issue.input as { name: string; from: string; to: string };
      return `holiday ${period.name}: from ${period.from} is after to ${period.to}`;
    },
    path: ['to'],
  });
export type HolidayPeriod = z.infer<typeof HolidayPeriod>;

/** What one year's State Council notice (国务院办公厅关于部分节假日安排的通知) publishes. */
export const HolidayYear = z.object({
  holidays: z.array(HolidayPeriod),
  /** Weekend days worked in exchange (调休); a listed day is a working day whatever else holds. */
  makeUpWorkdays: z.array(LocalDateText),
});
export type HolidayYear = z.infer<typeof HolidayYear>;

const YearKey = z.string().regex(/^\d{4}$/);

/**
 * The public holidays and make-up working days of the years that have a notice, keyed by year.
 * The services read and parse the file (data/calendars/cn-public-holidays.json); the domain takes the parsed value.
 */
export const HolidayData = z
  .object({
    source: z.string().optional(),
    timezone: z.literal('Asia/Shanghai', { error: 'timezone must be "Asia/Shanghai": the working calendar is UTC+8 only' }),
    years: z.record(YearKey, HolidayYear, {
      error: (issue) =>
        issue.code === 'invalid_key' ? `a year key is four digits, like "2026"; got ${JSON.stringify(issue.input)}` : undefined,
    }),
  })
  .check((ctx) => {
    const holidayOf = new Map<string, string>();
    for (const [year, notice] of Object.entries(ctx.value.years)) {
      // A notice may reach into the neighbouring years (元旦 from 30 December, a make-up day in late December), no further.
      const near = (date: string) => Math.abs(Number(date.slice(0, 4)) - Number(year)) <= 1;
      notice.holidays.forEach((period, i) => {
        for (const end of ['from', 'to'] as const) {
          if (!near(period[end])) {
            ctx.issues.push({
              code: 'custom',
              input: period[end],
              path: ['years', year, 'holidays', i, end],
              message: `holiday ${period.name}: ${period[end]} is too far from year ${year}`,
            });
          }
        }
        if (parseLocalDate(period.from) && parseLocalDate(period.to)) {
          for (let day = period.from; day <= period.to; day = nextDate(day)) holidayOf.set(day, period.name);
        }
      });
      notice.makeUpWorkdays.forEach((day, i) => {
        if (!near(day)) {
          ctx.issues.push({
            code: 'custom',
            input: day,
            path: ['years', year, 'makeUpWorkdays', i],
            message: `make-up working day ${day} is too far from year ${year}`,
          });
        }
      });
    }
    for (const [year, notice] of Object.entries(ctx.value.years)) {
      notice.makeUpWorkdays.forEach((day, i) => {
        const holiday = holidayOf.get(day);
        if (holiday !== undefined) {
          ctx.issues.push({
            code: 'custom',
            input: day,
            path: ['years', year, 'makeUpWorkdays', i],
            message: `${day} is both a make-up working day and a day of the holiday ${holiday}`,
          });
        }
      });
    }
  });
export type HolidayData = z.infer<typeof HolidayData>;

/** The next calendar date of a valid `YYYY-MM-DD`. */
function nextDate(text: string): string {
  return new Date(Date.parse(`${text}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}
