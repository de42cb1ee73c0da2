import { counterField, CountedFigures, type Area, type AreaTree, type CountedFigure, type LocalDate, shanghaiDate } from '@gridgov/domain';
import type { AreaRef, Figures, FiguresAnswer } from '@gridgov/projection-api';
import type { CounterReader } from '../projector/counter-store.ts';
import { answerWindow, periodId, type Period } from './period.ts';

/** One category, one handling department, both (the cases of the category now with the department), or neither. */
export interface Scope {
  readonly category?: string | undefined;
  readonly department?: string | undefined;
}

export interface FiguresQuery extends Scope {
  readonly area: string;
  readonly period: Period;
}

export const areaRef = (area: Area): AreaRef => ({ code: area.code, name: area.name, level: area.level });

const ratio = (n: number, d: number) => (d > 0 ? n / d : null);

export function figuresFrom(c: Record<CountedFigure, number>): Figures {
  const registered = c.reported - c.rejected;
  return {
    reported: c.reported,
    dispatched: c.dispatched,
    registered,
    closed: c.closed,
    closureRate: ratio(c.closed, registered),
    closedOnTime: c.closedOnTime,
    onTimeClosureRate: ratio(c.closedOnTime, registered),
    overdue: c.overdue,
    reworkRate: ratio(c.reworked, registered),
    extensionRate: ratio(c.extended, registered),
    escalated: c.escalated,
    meanHandlingHours: c.closed > 0 ? c.handlingMsClosed / c.closed / 3_600_000 : null,
  };
}

export function todayInShanghai(now: Date): LocalDate {
  return shanghaiDate(now);
}

/** The counter fields a scope's figures are computed from. */
export function scopeFields(scope: Scope): string[] {
  return CountedFigures.map((f) => counterField(f, { category: scope.category, department: scope.department }));
}

/** Figures of a scope from summed counters read with `scopeFields(scope)`. */
export function figuresOf(counters: ReadonlyMap<string, number>, scope: Scope): Figures {
  const fields = scopeFields(scope);
  const counted = Object.fromEntries(CountedFigures.map((f, i) => [f, counters.get(fields[i]!) ?? 0])) as Record<CountedFigure, number>;
  return figuresFrom(counted);
}

export const scopeOf = (scope: Scope) => ({ category: scope.category ?? null, department: scope.department ?? null });

/**
 * Figures from precomputed counters only, no scan of incidents: one pipelined read per partition and stored part of
 * the period (a range: its whole months' counters and its other days').
 */
export async function readFigures(store: CounterReader, areas: AreaTree, partitions: number, q: FiguresQuery): Promise<FiguresAnswer> {
  const area = areas.get(q.area);
  const window = periodId(q.period);
  const [counters = new Map<string, number>()] = await store.readMany(partitions, [{ area: area.code, window }], scopeFields(q));
  return {
    area: areaRef(area),
    window: answerWindow(q.period),
    scope: scopeOf(q),
    figures: figuresOf(counters, q),
  };
}
