import { AreaCode as AnyAreaCode } from '@gridgov/contracts';
import { parseLocalDate, WindowKinds } from '@gridgov/domain';
import { errorAnswer } from '@gridgov/http';
import { FigureNames } from '@gridgov/projection-api';
import { z } from 'zod';
import { MAX_RANGE_DAYS } from './period.ts';
import { WeightsText } from './weights.ts';

/**
 * The projection's HTTP input, validated by each route's schema; the same schemas write the parameters of
 * /openapi.json (the answers' schemas are in @gridgov/projection-api).
 */
export const AreaCode = AnyAreaCode.describe('Area code of any level: 6 (city, district), 9 (town), 12 (community) or 15 (grid) digits');

export const LocalDateText = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date is YYYY-MM-DD')
  .refine((s) => parseLocalDate(s) !== undefined, 'not a calendar date')
  .describe('A local date in Asia/Shanghai, YYYY-MM-DD');

export const MonthText = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month is YYYY-MM')
  .describe('A calendar month in Asia/Shanghai, YYYY-MM');

const Window = z.enum(WindowKinds);

const ScopeFields = {
  category: z.string().max(48).optional().describe('Only cases of this category (with department: of both)'),
  department: z
    .string()
    .max(48)
    .optional()
    .describe('Only cases now with this handling department (with category: the cases of that category now with it)'),
};

/** A window holding a date, or a range of local dates: `from`/`to` instead of `window`/`at`. */
const periodFields = (defaultWindow: (typeof WindowKinds)[number]) => ({
  window: Window.optional().describe(`Window of report time (default ${defaultWindow}); not with from/to`),
  at: LocalDateText.optional().describe('A date in the window (YYYY-MM-DD, Asia/Shanghai); default today'),
  from: LocalDateText.optional().describe(
    'First day of a range of report time (YYYY-MM-DD, Asia/Shanghai), instead of window/at; give with to. Summed from ' +
      'day counters, and month counters for the whole months it holds',
  ),
  to: LocalDateText.optional().describe(`Last day of the range, included; from ≤ to, at most ${MAX_RANGE_DAYS} days in all`),
});

export const FiguresQueryParams = z.object({
  area: AreaCode,
  ...periodFields('all'),
  ...ScopeFields,
});
export type FiguresQueryParams = z.infer<typeof FiguresQueryParams>;

export const RankingQueryParams = z.object({
  area: AreaCode.describe('The area whose children are ranked'),
  ...periodFields('month'),
  bottom: z.coerce
    .number()
    .int()
    .min(0)
    .max(1000)
    .default(3)
    .describe('How many of the lowest scored rows are marked 末位 (none while fewer than bottom + 1 children are ranked)'),
  weights: WeightsText.optional().describe('wClosure,wOnTime,wRework summing to 1, e.g. 0.5,0.3,0.2; default RANKING_WEIGHTS'),
  ...ScopeFields,
});
export type RankingQueryParams = z.infer<typeof RankingQueryParams>;

/** Longest trend: a year, leap day included. */
export const MAX_TREND_DAYS = 366;

export const TrendQueryParams = z.object({
  area: AreaCode,
  figure: z.enum(FigureNames).describe('Which figure to follow, day by day'),
  from: LocalDateText.describe('First day (YYYY-MM-DD, Asia/Shanghai)'),
  to: LocalDateText.describe(`Last day, included; at most ${MAX_TREND_DAYS} days in all`),
  ...ScopeFields,
});
export type TrendQueryParams = z.infer<typeof TrendQueryParams>;

export const BulletinPathParams = z.object({ month: MonthText });
export const BulletinBody = z.object({ area: AreaCode.describe('The area whose children the bulletin ranks') });
export const BulletinQueryParams = z.object({ area: AreaCode.describe('The area of the bulletin') });
export type BulletinQueryParams = z.infer<typeof BulletinQueryParams>;

export const StreamQueryParams = z.object({
  area: AreaCode,
  window: Window.default('all').describe('Window of report time holding today (Asia/Shanghai)'),
  ...ScopeFields,
});
export type StreamQueryParams = z.infer<typeof StreamQueryParams>;

/** The error answers the routes document beside 400 (and the 401, 403, 429 of every route with a token). */
export const UnknownArea = errorAnswer('Unknown area (UNKNOWN_AREA)');
export const StoreAway = errorAnswer(
  'Redis did not answer in time (STORE_UNAVAILABLE), or the figures are being restored (STATE_RESTORING); Retry-After',
);
