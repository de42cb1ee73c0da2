import type { Area, AreaTree } from '@gridgov/domain';
import type { Weights } from '@gridgov/projection-api';
import type { CounterReader } from '../projector/counter-store.ts';
import { type Bulletin, type BulletinDay, type BulletinStore, parseMonth } from './bulletin.ts';
import { areaRef } from './figures.ts';
import { readRanking } from './ranking.ts';
import { readTrend } from './trend.ts';

/** Rows marked 末位 in a bulletin, as in the rankings' default. */
export const BULLETIN_BOTTOM = 3;

export interface BulletinFreezeDeps {
  readonly store: CounterReader;
  readonly areas: AreaTree;
  readonly partitions: number;
  readonly bulletins: BulletinStore;
  readonly rankingWeights: Weights;
}

/** The month's 上报数 and 结案数 of an area, day by day, from the day counters. */
export async function readDaily(
  deps: Omit<BulletinFreezeDeps, 'bulletins' | 'rankingWeights'>,
  area: string,
  month: string,
): Promise<BulletinDay[]> {
  const m = parseMonth(month);
  const from = { ...m, day: 1 };
  const to = { ...m, day: new Date(Date.UTC(m.year, m.month, 0)).getUTCDate() };
  const [reported, closed] = await Promise.all(
    (['reported', 'closed'] as const).map((figure) => readTrend(deps.store, deps.areas, deps.partitions, { area, figure, from, to })),
  );
  return reported!.series.map((p, i) => ({ date: p.date, reported: p.value ?? 0, closed: closed!.series[i]?.value ?? 0 }));
}

/**
 * Freezes `month`'s bulletin of `area` (whose month is over) from the counters as they stand, unless one is kept:
 * the first freeze wins (BulletinStore.freeze), whether by hand or by the schedule, on any instance.
 */
export async function freezeBulletin(
  deps: BulletinFreezeDeps,
  area: Area,
  month: string,
  now: Date,
  frozenBy: string,
): Promise<{ created: boolean; bulletin: Bulletin }> {
  const existing = await deps.bulletins.get(area.code, month);
  if (existing) return { created: false, bulletin: existing };
  const [ranking, daily] = await Promise.all([
    readRanking(deps.store, deps.areas, deps.partitions, {
      area: area.code,
      period: { kind: 'window', window: 'month', at: { ...parseMonth(month), day: 1 } },
      weights: deps.rankingWeights,
      bottom: BULLETIN_BOTTOM,
    }),
    readDaily(deps, area.code, month),
  ]);
  return deps.bulletins.freeze({ month, area: areaRef(area), frozenAt: now.toISOString(), frozenBy, ranking, daily });
}
