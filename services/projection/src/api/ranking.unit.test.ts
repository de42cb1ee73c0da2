import { describe, expect, it } from 'vitest';
import { figuresFrom } from './figures.ts';
import { rankChildren, scoreOf } from './ranking.ts';
import { DEFAULT_WEIGHTS, WeightsText } from './weights.ts';
import { loadXinhuiAreas } from '@gridgov/testing';

const areas = loadXinhuiAreas();
const towns = areas.children('440705');

/** Figures of `registered` cases, `closed` of them closed (`onTime` on time), `reworked` reworked. */
function figures(registered: number, closed = 0, onTime = 0, reworked = 0) {
  return figuresFrom({
    reported: registered,
    rejected: 0,
    dispatched: registered,
    closed,
    closedOnTime: onTime,
    overdue: 0,
    reworked,
    extended: 0,
    escalated: 0,
    handlingMsClosed: 0,
  });
}

describe('scoreOf', () => {
  it('is 0.4 × 结案率 + 0.4 × 按期结案率 + 0.2 × (1 − 返工率) by default, null while nothing is registered', () => {
    expect(scoreOf(figures(4, 3, 2, 1), DEFAULT_WEIGHTS)).toBeCloseTo(0.4 * 0.75 + 0.4 * 0.5 + 0.2 * 0.75, 12);
    expect(scoreOf(figures(0), DEFAULT_WEIGHTS)).toBeNull();
  });
});

describe('rankChildren', () => {
  it('ranks best first, shares a rank on a tie, puts unscored children last and marks the bottom N scored', () => {
    const [a, b, c, d, e] = towns;
    const rows = rankChildren(
      [
        { area: e!, figures: figures(0) },
        { area: a!, figures: figures(4, 3, 2, 1) }, // 0.65
        { area: b!, figures: figures(2, 2, 2, 0) }, // 1
        { area: c!, figures: figures(2, 1, 1, 1) }, // 0.5
        { area: d!, figures: figures(20, 10, 10, 10) }, // 0.5, the same score reached another way
      ],
      DEFAULT_WEIGHTS,
      1,
    );
    expect(rows.map((r) => [r.area.code, r.rank, r.bottom])).toEqual([
      [b!.code, 1, false],
      [a!.code, 2, false],
      [c!.code, 3, true],
      [d!.code, 3, true], // tied with the lowest: 末位 too
      [e!.code, 5, false],
    ]);
    expect(rows[4]!.score).toBeNull();
  });

  it('marks every scored child when N reaches their count, and none when N is 0', () => {
    const [a, b, c] = towns;
    const children = [
      { area: a!, figures: figures(1, 1, 1) },
      { area: b!, figures: figures(1) },
      { area: c!, figures: figures(0) },
    ];
    expect(rankChildren(children, DEFAULT_WEIGHTS, 5).map((r) => r.bottom)).toEqual([true, true, false]);
    expect(rankChildren(children, DEFAULT_WEIGHTS, 0).map((r) => r.bottom)).toEqual([false, false, false]);
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
