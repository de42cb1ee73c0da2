import { SHANGHAI_OFFSET_MS } from '@gridgov/domain';
import { z } from 'zod';
import { monthEndsAt, type Month } from './bulletin.ts';

/** When a month's bulletin freezes itself: on `day` of the next month at `hour`:`minute`, Asia/Shanghai. */
export interface FreezeAt {
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
}

/**
 * BULLETIN_FREEZE_AT: `<day>T<HH:MM>` of the month after (day 1–28, so every month has it), Asia/Shanghai, e.g.
 * `1T09:00` (09:00 on the 1st) or `3T00:00`; `off`: bulletins are frozen by hand only.
 */
export const FreezeAtText = z
  .string()
  .trim()
  .transform((text, ctx): FreezeAt | null => {
    if (text === 'off') return null;
    const m = /^(\d{1,2})T(\d{2}):(\d{2})$/.exec(text);
    const [day, hour, minute] = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [Number.NaN, Number.NaN, Number.NaN];
    if (!m || day < 1 || day > 28 || hour > 23 || minute > 59) {
      ctx.addIssue({
        code: 'custom',
        message: `"${text}" is not <day 1-28>T<HH:MM> (e.g. 1T09:00, Asia/Shanghai) nor off`,
      });
      return z.NEVER;
    }
    return { day, hour, minute };
  });

/** The instant `month`'s bulletin becomes due: `at` in the month after it, Asia/Shanghai (no daylight saving). */
export function freezeInstant(month: Month, at: FreezeAt): Date {
  return new Date(monthEndsAt(month).getTime() + ((at.day - 1) * 24 * 60 + at.hour * 60 + at.minute) * 60_000);
}

const previous = (m: Month): Month => (m.month === 1 ? { year: m.year - 1, month: 12 } : { year: m.year, month: m.month - 1 });

/** The latest month whose bulletin is due at `now`: the month before this one once `at` has passed, else the one before it. */
export function dueMonth(now: Date, at: FreezeAt): Month {
  const local = new Date(now.getTime() + SHANGHAI_OFFSET_MS);
  const last = previous({ year: local.getUTCFullYear(), month: local.getUTCMonth() + 1 });
  return freezeInstant(last, at) <= now ? last : previous(last);
}

export const monthText = (m: Month) => `${m.year}-${String(m.month).padStart(2, '0')}`;
