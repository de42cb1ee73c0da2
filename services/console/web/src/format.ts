import type { Lang } from './i18n/translate.ts';

/** A rate as a percentage with one decimal ('99.4%'), or '—' while there is none. */
export const percent = (rate: number | null): string => (rate === null ? '—' : `${(rate * 100).toFixed(1)}%`);

export const hours = (value: number | null): string | null => (value === null ? null : value.toFixed(1));

const SHANGHAI = 'Asia/Shanghai';

/** A date-time in Asia/Shanghai, as people there read it. */
export function localTime(iso: string | null, lang: Lang): string {
  if (!iso) return '—';
  return new Intl.DateTimeFormat(lang === 'zh' ? 'zh-CN' : 'en-GB', {
    timeZone: SHANGHAI,
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).format(new Date(iso));
}

/** The local date (YYYY-MM-DD) in Asia/Shanghai of an instant. */
export function shanghaiDate(at: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: SHANGHAI, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** The last `days` local dates up to and including today: [from, to]. */
export function lastDays(days: number, now: Date = new Date()): { from: string; to: string } {
  return { from: shanghaiDate(new Date(now.getTime() - (days - 1) * 86_400_000)), to: shanghaiDate(now) };
}

/** A short form of a case id for tables (the whole id is in the title). */
export const shortId = (id: string): string => id.slice(0, 8);
