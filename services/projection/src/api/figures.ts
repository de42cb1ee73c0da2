import {
  counterField,
  CountedFigures,
  type Area,
  type AreaTree,
  type CountedFigure,
  type WindowKind,
  windowId,
  shanghaiDate,
} from '@gridgov/domain';
import type { CounterReader } from '../projector/counter-store.ts';

export interface LocalDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/** One category or one handling department, or neither (the whole area). */
export interface Scope {
  readonly category?: string | undefined;
  readonly department?: string | undefined;
}

export interface FiguresQuery extends Scope {
  readonly area: string;
  readonly window: WindowKind;
  readonly at: LocalDate;
}

/** The figures leaders ask for (docs/domain.md, 考核); rates are null while nothing is registered. */
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

/** The names of the figures, as in the answers (and in `figure=` of trends). */
export const FigureNames = [
  'reported',
  'dispatched',
  'registered',
  'closed',
  'closureRate',
  'closedOnTime',
  'onTimeClosureRate',
  'overdue',
  'reworkRate',
  'extensionRate',
  'escalated',
  'meanHandlingHours',
] as const satisfies readonly (keyof Figures)[];
export type FigureName = (typeof FigureNames)[number];
// Every figure is named above: this fails to compile when Figures grows and the list does not.
const _everyFigureNamed: [Exclude<keyof Figures, FigureName>] extends [never] ? true : false = true;

export interface AreaRef {
  readonly code: string;
  readonly name: string;
  readonly level: string;
}

export const areaRef = (area: Area): AreaRef => ({ code: area.code, name: area.name, level: area.level });

export interface FiguresAnswer {
  readonly area: AreaRef;
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

/** Figures from precomputed counters only: one pipelined read per partition, no scan of incidents. */
export async function readFigures(store: CounterReader, areas: AreaTree, partitions: number, q: FiguresQuery): Promise<FiguresAnswer> {
  const area = areas.get(q.area);
  const id = windowId(q.window, q.at);
  const [counters = new Map<string, number>()] = await store.readMany(partitions, [{ area: area.code, window: id }], scopeFields(q));
  return {
    area: areaRef(area),
    window: { kind: q.window, id },
    scope: scopeOf(q),
    figures: figuresOf(counters, q),
  };
}
