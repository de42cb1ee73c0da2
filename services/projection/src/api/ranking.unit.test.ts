import { describe, expect, it } from 'vitest';
import { figuresFrom } from './figures.ts';
import { rankChildren, scoreOf } from './ranking.ts';
import { DEFAULT_WEIGHTS, WeightsText } from './weights.ts';
import { loadXinhuiAreas } from '@gridgov/testing';

const areas = loadXinhuiAreas();
const towns = areas.children('440705');

/** Figures of `registered` cases, `closed` of them closed (`onTime` on time), `reworked` reworked. */
function figures(registered: number, closed = 0, onTime = 0, reworked = 0) {
  return figuresFrom({ ...counted(registered), closed, closedOnTime: onTime, reworked });
}

/** Counters of `reported` cases, nothing else yet. */
function counted(reported: number) {
  return {
    reported,
    rejected: 0,
    dispatched: reported,
    closed: 0,
    closedOnTime: 0,
    overdue: 0,
    reworked: 0,
    extended: 0,
    escalated: 0,
    handlingMsClosed: 0,
  };
}

describe('scoreOf', () => {
  it('is 0.4 × 结案率 + 0.4 × 按期结案率 + 0.2 × (1 − 返工率) by default, null while nothing is registered', () => {
    expect(scoreOf(figures(4, 3, 2, 1), DEFAULT_WEIGHTS)).toBeCloseTo(0.4 * 0.75 + 0.4 * 0.5 + 0.2 * 0.75, 12);
    expect(scoreOf(figures(0), DEFAULT_WEIGHTS)).toBeNull();
  });
});

describe('rankChildren: the 末位 rule', () => {
  /** Children of 新会区 with the given figures, in order. */
  const children = (...figs: ReturnType<typeof figures>[]) => figs.map((f, i) => ({ area: towns[i]!, figures: f }));
  /** [code, rank, 末位] of each ranked row. */
  const marks = (rows: ReturnType<typeof rankChildren>['rows']) => rows.map((r) => [r.area.code, r.rank, r.bottom]);
  const code = (i: number) => towns[i]!.code;

  it('ranks best first, shares a rank on a tie and marks the bottom N, ties at the boundary unsplit', () => {
    const { rows, noData } = rankChildren(
      children(
        figures(0), // nothing registered: 无数据
        figures(4, 3, 2, 1), // 0.65
        figures(2, 2, 2, 0), // 1
        figures(2, 1, 1, 1), // 0.5
        figures(20, 10, 10, 10), // 0.5, the same score reached another way
      ),
      DEFAULT_WEIGHTS,
      1,
    );
    expect(marks(rows)).toEqual([
      [code(2), 1, false],
      [code(1), 2, false],
      [code(3), 3, true],
      [code(4), 3, true], // tied with the lowest: 末位 too
    ]);
    expect(noData.map((r) => r.area.code)).toEqual([code(0)]);
  });

  it('one child: ranked first, never 末位', () => {
    const { rows, noData } = rankChildren(children(figures(3, 1)), DEFAULT_WEIGHTS, 3);
    expect(marks(rows)).toEqual([[code(0), 1, false]]);
    expect(noData).toEqual([]);
    expect(rankChildren(children(figures(3, 1)), DEFAULT_WEIGHTS, 1).rows[0]!.bottom).toBe(false);
  });

  it('two children: none marked with the default 3; the lower marked with bottom=1', () => {
    const two = children(figures(2, 2, 2), figures(2, 1, 1));
    expect(marks(rankChildren(two, DEFAULT_WEIGHTS, 3).rows)).toEqual([
      [code(0), 1, false],
      [code(1), 2, false],
    ]);
    expect(marks(rankChildren(two, DEFAULT_WEIGHTS, 1).rows)).toEqual([
      [code(0), 1, false],
      [code(1), 2, true],
    ]);
  });

  it('three children: none marked with 3, the lowest with 1, the two lowest with 2', () => {
    const three = children(figures(2, 2, 2), figures(2, 1, 1), figures(2));
    expect(rankChildren(three, DEFAULT_WEIGHTS, 3).rows.map((r) => r.bottom)).toEqual([false, false, false]);
    expect(rankChildren(three, DEFAULT_WEIGHTS, 1).rows.map((r) => r.bottom)).toEqual([false, false, true]);
    expect(rankChildren(three, DEFAULT_WEIGHTS, 2).rows.map((r) => r.bottom)).toEqual([false, true, true]);
  });

  it('four children: the three lowest marked with the default 3, the first never', () => {
    const four = children(figures(4, 4, 4), figures(4, 3, 3), figures(4, 2, 2), figures(4, 1, 1));
    expect(marks(rankChildren(four, DEFAULT_WEIGHTS, 3).rows)).toEqual([
      [code(0), 1, false],
      [code(1), 2, true],
      [code(2), 3, true],
      [code(3), 4, true],
    ]);
  });

  it('eleven children: the three lowest marked; a tie at the boundary marks all tied rows', () => {
    const scores = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0];
    const eleven = children(...scores.map((closed) => figures(10, closed, closed)));
    expect(rankChildren(eleven, DEFAULT_WEIGHTS, 3).rows.map((r) => [r.rank, r.bottom])).toEqual(scores.map((_, i) => [i + 1, i >= 8]));
    // The 8th and 9th tie: the boundary (the 3rd lowest) is the 9th's score, and the 8th shares it.
    const tied = children(...[10, 9, 8, 7, 6, 5, 4, 2, 2, 1, 0].map((closed) => figures(10, closed, closed)));
    expect(rankChildren(tied, DEFAULT_WEIGHTS, 3).rows.map((r) => [r.rank, r.bottom])).toEqual([
      [1, false],
      [2, false],
      [3, false],
      [4, false],
      [5, false],
      [6, false],
      [7, false],
      [8, true],
      [8, true],
      [10, true],
      [11, true],
    ]);
  });

  it('all tied: every child shares the first rank and none is 末位', () => {
    const tied = children(figures(2, 1, 1), figures(4, 2, 2), figures(6, 3, 3), figures(8, 4, 4));
    expect(rankChildren(tied, DEFAULT_WEIGHTS, 3).rows.map((r) => [r.rank, r.bottom])).toEqual([
      [1, false],
      [1, false],
      [1, false],
      [1, false],
    ]);
    // A tie at the top reaching the boundary: the first rank is kept clear, the rows below it marked.
    const topTie = children(figures(2, 2, 2), figures(2, 2, 2), figures(2, 1, 1), figures(2));
    expect(rankChildren(topTie, DEFAULT_WEIGHTS, 3).rows.map((r) => [r.rank, r.bottom])).toEqual([
      [1, false],
      [1, false],
      [3, true],
      [4, true],
    ]);
  });

  it('children without data are listed apart as 无数据, not ranked and never 末位', () => {
    // A town where one community has figures and the others none: that one ranks first, alone, unmarked.
    const oneWithData = children(figures(0), figures(3, 1), figures(0), figures(0));
    const { rows, noData } = rankChildren(oneWithData, DEFAULT_WEIGHTS, 3);
    expect(marks(rows)).toEqual([[code(1), 1, false]]);
    expect(noData.map((r) => r.area.code)).toEqual([code(0), code(2), code(3)]);
    // Reported but all rejected at triage: nothing registered, no score.
    const rejected = figuresFrom({ ...counted(2), rejected: 2 });
    expect(rankChildren(children(rejected, figures(1, 1, 1)), DEFAULT_WEIGHTS, 0).noData.map((r) => r.area.code)).toEqual([code(0)]);
    // Nothing at all: nothing ranked.
    expect(rankChildren(children(figures(0), figures(0)), DEFAULT_WEIGHTS, 3)).toMatchObject({ rows: [] });
  });

  it('marks none when N is 0', () => {
    const three = children(figures(1, 1, 1), figures(1), figures(2, 1));
    expect(rankChildren(three, DEFAULT_WEIGHTS, 0).rows.map((r) => r.bottom)).toEqual([false, false, false]);
  });
});

describe('WeightsText', () => {
  it('reads three weights that sum to 1', () => {
    expect(WeightsText.parse('0.5,0.3,0.2')).toEqual({ closure: 0.5, onTime: 0.3, rework: 0.2 });
    expect(WeightsText.parse(' 0.1, 0.2 ,0.7')).toEqual({ closure: 0.1, onTime: 0.2, rework: 0.7 });
    expect(WeightsText.safeParse('0.5,0.5,0.5').error?.issues[0]?.message).toBe('weights must sum to 1');
    expect(WeightsText.safeParse('0.5,0.5').success).toBe(false);
    expect(WeightsText.safeParse('-0.5,1,0.5').success).toBe(false);
  });
});
