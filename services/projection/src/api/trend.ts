import { type AreaTree, type LocalDate, windowId } from '@gridgov/domain';
import type { CounterReader } from '../projector/counter-store.ts';
import type { FigureName, TrendAnswer } from '@gridgov/projection-api';
import { areaRef, figuresOf, type Scope, scopeFields, scopeOf } from './figures.ts';
import { formatLocalDate } from './period.ts';

const DAY_MS = 86_400_000;
/** Days from `from` to `to`, both included (calendar arithmetic, no time zone involved). */
export function daysBetween(from: LocalDate, to: LocalDate): LocalDate[] {
  const days: LocalDate[] = [];
  for (let ms = Date.UTC(from.year, from.month - 1, from.day); ms <= Date.UTC(to.year, to.month - 1, to.day); ms += DAY_MS) {
    const d = new Date(ms);
    days.push({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() });
  }
  return days;
}

export interface TrendQuery extends Scope {
  readonly area: string;
  readonly figure: FigureName;
  readonly from: LocalDate;
  readonly to: LocalDate;
}

/** A figure day by day, from the day-window counters: one pipelined round trip of P × days reads. */
export async function readTrend(store: CounterReader, areas: AreaTree, partitions: number, q: TrendQuery): Promise<TrendAnswer> {
  const area = areas.get(q.area);
  const days = daysBetween(q.from, q.to);
  const counters = await store.readMany(
    partitions,
    days.map((d) => ({ area: area.code, window: windowId('day', d) })),
    scopeFields(q),
  );
  return {
    area: areaRef(area),
    figure: q.figure,
    scope: scopeOf(q),
    from: formatLocalDate(q.from),
    to: formatLocalDate(q.to),
    series: days.map((d, i) => ({ date: formatLocalDate(d), value: figuresOf(counters[i] ?? new Map<string, number>(), q)[q.figure] })),
  };
}
