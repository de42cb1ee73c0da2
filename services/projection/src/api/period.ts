import { daysInRange, parseLocalDate, rangeId, windowId, type LocalDate, type WindowKind } from '@gridgov/domain';
import { ApiError } from '@gridgov/http';
import type { AnswerWindow } from '@gridgov/projection-api';

/** What a query counts over: a calendar window holding a date, or a range of local dates (both ends included). */
export type Period =
  | { readonly kind: 'window'; readonly window: WindowKind; readonly at: LocalDate }
  | { readonly kind: 'range'; readonly from: LocalDate; readonly to: LocalDate };

/** Longest range of /v1/figures and /v1/rankings: three years, at most 60 day counters and 36 month counters summed. */
export const MAX_RANGE_DAYS = 1096;

const pad2 = (n: number) => String(n).padStart(2, '0');
export const formatLocalDate = (d: LocalDate) => `${d.year}-${pad2(d.month)}-${pad2(d.day)}`;

/** The counter window a period is read from: a stored window, one summed from them, or a range (`storedPartsOf`). */
export const periodId = (p: Period): string => (p.kind === 'range' ? rangeId(p.from, p.to) : windowId(p.window, p.at));

/** The period as answered: `{kind, id}`, and for a range its first and last day. */
export function answerWindow(p: Period): AnswerWindow {
  if (p.kind === 'window') return { kind: p.window, id: periodId(p) };
  return { kind: 'range', id: periodId(p), from: formatLocalDate(p.from), to: formatLocalDate(p.to) };
}

/** `from`..`to` checked: both dates (the schema checked their form), from ≤ to, at most `maxDays` days; else 400 naming the field. */
export function checkedRange(q: { readonly from: string; readonly to: string }, maxDays: number): { from: LocalDate; to: LocalDate } {
  const from = parseLocalDate(q.from);
  const to = parseLocalDate(q.to);
  if (!from) throw new ApiError(400, 'VALIDATION_FAILED', `query.from: ${q.from} is not a date YYYY-MM-DD`);
  if (!to) throw new ApiError(400, 'VALIDATION_FAILED', `query.to: ${q.to} is not a date YYYY-MM-DD`);
  const days = daysInRange(from, to);
  if (days < 1) throw new ApiError(400, 'VALIDATION_FAILED', `query.to: ${q.to} is before from ${q.from}`);
  if (days > maxDays) throw new ApiError(400, 'VALIDATION_FAILED', `query.to: at most ${maxDays} days from ${q.from}, asked for ${days}`);
  return { from, to };
}

export interface PeriodInput {
  readonly window?: WindowKind | undefined;
  readonly at?: string | undefined;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
}

/**
 * The period of a figures or ranking query: `from` and `to` together (a range), or `window` and `at` (the window
 * holding `at`, default today), never both kinds; else 400 naming the field.
 */
export function resolvePeriod(q: PeriodInput, defaultWindow: WindowKind, today: () => LocalDate): Period {
  if (q.from !== undefined || q.to !== undefined) {
    if (q.from === undefined) throw new ApiError(400, 'VALIDATION_FAILED', 'query.from: give from with to');
    if (q.to === undefined) throw new ApiError(400, 'VALIDATION_FAILED', 'query.to: give to with from');
    if (q.window !== undefined) throw new ApiError(400, 'VALIDATION_FAILED', 'query.window: give window or from/to, not both');
    if (q.at !== undefined) throw new ApiError(400, 'VALIDATION_FAILED', 'query.at: at is for a window; a range has from/to');
    return { kind: 'range', ...checkedRange({ from: q.from, to: q.to }, MAX_RANGE_DAYS) };
  }
  const at = q.at === undefined ? today() : parseLocalDate(q.at);
  if (!at) throw new ApiError(400, 'VALIDATION_FAILED', `query.at: ${q.at} is not a date YYYY-MM-DD`);
  return { kind: 'window', window: q.window ?? defaultWindow, at };
}
