import { counterField, CountedFigures, type AreaTree, type CountedFigure, type WindowKind, windowId, shanghaiDate } from '@gridgov/domain';
import type { CounterStore } from './counter-store.ts';

export interface FiguresQuery {
  readonly area: string;
  readonly window: WindowKind;
  readonly at: { year: number; month: number; day: number };
  readonly category?: string | undefined;
  readonly department?: string | undefined;
}

export interface FiguresAnswer {
  readonly area: { code: string; name: string; level: string };
  readonly window: { kind: WindowKind; id: string };
  readonly scope: { category: string | null; department: string | null };
  readonly figures: Record<CountedFigure, number>;
}

export function todayInShanghai(now: Date): { year: number; month: number; day: number } {
  return shanghaiDate(now);
}

/** Figures from precomputed counters only: one pipelined read per partition, no scan of incidents. */
export async function readFigures(store: CounterStore, areas: AreaTree, partitions: number, q: FiguresQuery): Promise<FiguresAnswer> {
  const area = areas.get(q.area);
  const id = windowId(q.window, q.at);
  const counters = await store.read(partitions, area.code, id);
  const figures = Object.fromEntries(
    CountedFigures.map((f) => [f, counters.get(counterField(f, { category: q.category, department: q.department })) ?? 0]),
  ) as Record<CountedFigure, number>;
  return {
    area: { code: area.code, name: area.name, level: area.level },
    window: { kind: q.window, id },
    scope: { category: q.category ?? null, department: q.department ?? null },
    figures,
  };
}
