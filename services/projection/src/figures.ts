import { counterField, CountedFigures, type AreaTree, type CountedFigure, type WindowKind, windowId, shanghaiDate } from '@gridgov/domain';
import type { CounterStore } from './counter-store.ts';

export interface FiguresQuery {
  readonly area: string;
  readonly window: WindowKind;
  readonly at: { year: number; month: number; day: number };
  readonly category?: string | undefined;
  readonly department?: string | undefined;
}

/** The figures leaders ask for (DOMAIN.md 考核); rates are null while nothing is registered. */
export interface Figures {
  /** 上报数 */
  readonly reported: number;
  /** 派遣数 */
  readonly dispatched: number;
  /** 立案数: reported minus rejected at triage */
  readonly registered: number;
  /** 结案数 */
  readonly closed: number;
  /** 结案率 = closed / registered */
  readonly closureRate: number | null;
  /** 按期结案数 */
  readonly closedOnTime: number;
  /** 按期结案率 = closed on time / registered */
  readonly onTimeClosureRate: number | null;
  /** 超期数: open cases past their handling deadline now */
  readonly overdue: number;
  /** 返工率 = cases reworked at least once / registered */
  readonly reworkRate: number | null;
  /** 延期率 = cases extended / registered */
  readonly extensionRate: number | null;
  /** 督办数: cases escalated at least once */
  readonly escalated: number;
  /** 平均处置时长, in working hours: dispatch to resolved, over closed cases */
  readonly meanHandlingHours: number | null;
}

export interface FiguresAnswer {
  readonly area: { code: string; name: string; level: string };
  readonly window: { kind: WindowKind; id: string };
  readonly scope: { category: string | null; department: string | null };
  readonly figures: Figures;
}

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

export function todayInShanghai(now: Date): { year: number; month: number; day: number } {
  return shanghaiDate(now);
}

/** Figures from precomputed counters only: one pipelined read per partition, no scan of incidents. */
export async function readFigures(store: CounterStore, areas: AreaTree, partitions: number, q: FiguresQuery): Promise<FiguresAnswer> {
  const area = areas.get(q.area);
  const id = windowId(q.window, q.at);
  const counters = await store.read(partitions, area.code, id);
  const counted = Object.fromEntries(
    CountedFigures.map((f) => [f, counters.get(counterField(f, { category: q.category, department: q.department })) ?? 0]),
  ) as Record<CountedFigure, number>;
  return {
    area: { code: area.code, name: area.name, level: area.level },
    window: { kind: q.window, id },
    scope: { category: q.category ?? null, department: q.department ?? null },
    figures: figuresFrom(counted),
  };
}
