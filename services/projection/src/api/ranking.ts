import type { Area, AreaTree } from '@gridgov/domain';
import type { CounterReader } from '../projector/counter-store.ts';
import type { Figures, RankingAnswer, RankingRow, UnrankedRow, Weights } from '@gridgov/projection-api';
import { areaRef, figuresOf, type Scope, scopeFields, scopeOf } from './figures.ts';
import { answerWindow, periodId, type Period } from './period.ts';

export interface RankingQuery extends Scope {
  readonly area: string;
  readonly period: Period;
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

type Child = { readonly area: Area; readonly figures: Figures };
type Scored = Child & { readonly score: number; readonly key: number };

/** Best score first; equal scores by area code. */
const byScore = (a: Scored, b: Scored) => b.key - a.key || a.area.code.localeCompare(b.area.code);

/**
 * The 末位 rule (docs/domain.md, Rankings). Only children with figures (something registered, so a score) are ranked;
 * the others are listed apart as 无数据, by area code. Equal scores share a rank. The `bottom` lowest scored are
 * marked 末位, every row tied with the boundary score included; but none while fewer than `bottom` + 1 children are
 * ranked (a ranking of one has no last), and never a row sharing the first rank (when all tie, none is last).
 */
export function rankChildren(children: readonly Child[], weights: Weights, bottom: number): Pick<RankingAnswer, 'rows' | 'noData'> {
  const scored: Scored[] = [];
  const noData: UnrankedRow[] = [];
  for (const c of children) {
    const score = scoreOf(c.figures, weights);
    if (score === null) noData.push({ area: areaRef(c.area), figures: c.figures });
    else scored.push({ ...c, score, key: comparable(score) });
  }
  scored.sort(byScore);
  noData.sort((a, b) => a.area.code.localeCompare(b.area.code));
  const best = scored[0]?.key;
  // The bottom-th lowest score; every row at or below it is 末位, so a tie at the boundary is not split.
  const threshold = bottom > 0 && scored.length >= bottom + 1 ? scored[scored.length - bottom]!.key : undefined;
  let rank = 0;
  const rows = scored.map((r, i): RankingRow => {
    if (i === 0 || r.key !== scored[i - 1]!.key) rank = i + 1;
    return {
      rank,
      area: areaRef(r.area),
      score: r.score,
      bottom: threshold !== undefined && r.key <= threshold && r.key !== best,
      figures: r.figures,
    };
  });
  return { rows, noData };
}

/** The children of an area ranked, from counters only: one pipelined round trip of P × children reads. */
export async function readRanking(store: CounterReader, areas: AreaTree, partitions: number, q: RankingQuery): Promise<RankingAnswer> {
  const area = areas.get(q.area);
  const children = areas.children(area.code);
  const window = periodId(q.period);
  const counters = await store.readMany(
    partitions,
    children.map((c) => ({ area: c.code, window })),
    scopeFields(q),
  );
  const figures = children.map((child, i) => ({ area: child, figures: figuresOf(counters[i] ?? new Map<string, number>(), q) }));
  return {
    area: areaRef(area),
    window: answerWindow(q.period),
    scope: scopeOf(q),
    weights: q.weights,
    bottom: q.bottom,
    ...rankChildren(figures, q.weights, q.bottom),
  };
}
