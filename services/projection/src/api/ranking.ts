import { type Area, type AreaTree, type WindowKind, windowId } from '@gridgov/domain';
import type { CounterReader } from '../projector/counter-store.ts';
import type { Figures, RankingAnswer, RankingRow, Weights } from '@gridgov/projection-api';
import { areaRef, figuresOf, type LocalDate, type Scope, scopeFields, scopeOf } from './figures.ts';

export interface RankingQuery extends Scope {
  readonly area: string;
  readonly window: WindowKind;
  readonly at: LocalDate;
  readonly weights: Weights;
  /** How many of the lowest scored rows are marked 末位. */
  readonly bottom: number;
}

/** wClosure × 结案率 + wOnTime × 按期结案率 + wRework × (1 − 返工率); null while nothing is registered. */
export function scoreOf(f: Figures, w: Weights): number | null {
  if (f.closureRate === null || f.onTimeClosureRate === null || f.reworkRate === null) return null;
  return w.closure * f.closureRate + w.onTime * f.onTimeClosureRate + w.rework * (1 - f.reworkRate);
}

/** Scores compared at 1e-9: 0.4 × 0.75 + … and 0.65 are the same score, whatever the last bit says. */
const comparable = (score: number) => Math.round(score * 1e9);

type Scored = { readonly area: Area; readonly figures: Figures; readonly score: number | null };

/** Best score first, unscored last; equal scores by area code. */
function byScore(a: Scored, b: Scored): number {
  if (a.score !== null && b.score !== null) {
    const d = comparable(b.score) - comparable(a.score);
    if (d !== 0) return d;
  } else if (a.score !== b.score) {
    return a.score === null ? 1 : -1;
  }
  return a.area.code.localeCompare(b.area.code);
}

/** Ranks children by score, best first; unscored children last; marks the `bottom` lowest scored (末位). */
export function rankChildren(children: readonly { area: Area; figures: Figures }[], weights: Weights, bottom: number): RankingRow[] {
  const rows: Scored[] = children.map((c) => ({ ...c, score: scoreOf(c.figures, weights) })).sort(byScore);
  const keys = rows.flatMap((r) => (r.score === null ? [] : [comparable(r.score)]));
  // The bottom-th lowest score; every row at or below it is 末位, so a tie at the boundary is not split.
  const threshold = bottom > 0 ? keys[Math.max(0, keys.length - bottom)] : undefined;
  let rank = 0;
  return rows.map((r, i) => {
    const key = r.score === null ? undefined : comparable(r.score);
    if (key === undefined) rank = keys.length + 1;
    else if (i === 0 || key !== keys[i - 1]) rank = i + 1;
    return {
      rank,
      area: areaRef(r.area),
      score: r.score,
      bottom: key !== undefined && threshold !== undefined && key <= threshold,
      figures: r.figures,
    };
  });
}

/** The children of an area ranked, from counters only: one pipelined round trip of P × children reads. */
export async function readRanking(store: CounterReader, areas: AreaTree, partitions: number, q: RankingQuery): Promise<RankingAnswer> {
  const area = areas.get(q.area);
  const children = areas.children(area.code);
  const window = windowId(q.window, q.at);
  const counters = await store.readMany(
    partitions,
    children.map((c) => ({ area: c.code, window })),
    scopeFields(q),
  );
  const figures = children.map((child, i) => ({ area: child, figures: figuresOf(counters[i] ?? new Map<string, number>(), q) }));
  return {
    area: areaRef(area),
    window: { kind: q.window, id: window },
    scope: scopeOf(q),
    weights: q.weights,
    bottom: q.bottom,
    rows: rankChildren(figures, q.weights, q.bottom),
  };
}
