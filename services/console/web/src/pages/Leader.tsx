import { useEffect, useState } from 'react';
import type { ApiClient } from '../api/client.ts';
import {
  knownAreas,
  WINDOW_KINDS,
  type AreaDetail,
  type AreaRef,
  type Me,
  type RankingAnswer,
  type TrendAnswer,
  type WindowKind,
} from '../api/types.ts';
import { AreaMap } from '../components/AreaMap.tsx';
import { AreaTree } from '../components/AreaTree.tsx';
import { CatalogOptions } from '../components/CatalogOptions.tsx';
import { Downloads } from '../components/Downloads.tsx';
import { FigureCards } from '../components/FigureCards.tsx';
import { RankingTable } from '../components/RankingTable.tsx';
import { TrendChart, type TrendData } from '../components/TrendChart.tsx';
import { periodParams, scopeParams, useLiveFigures, type FigureQuery } from '../components/useLiveFigures.ts';
import { useLoad } from '../components/useLoad.ts';
import { lastDays } from '../format.ts';
import { useI18n } from '../i18n/context.tsx';

/** Whether `code` lies within one of the user's areas (codes nest: a child's code starts with its parent's). */
const within = (code: string, roots: readonly AreaRef[]) => roots.some((r) => code.startsWith(r.code));

/** `value` once it has stayed the same for `ms`: a burst of live changes reloads the ranking and trend once. */
function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/** The longest trend the API draws, day by day: a range longer than this shows its last days. */
const MAX_TREND_DAYS = 366;
const DAY_MS = 86_400_000;
const dayMs = (date: string) => Date.parse(`${date}T00:00:00Z`);
const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The month before this one in Asia/Shanghai (YYYY-MM): the latest whose bulletin (月通报) can be frozen. */
function lastMonth(now = new Date()): string {
  const local = new Date(now.getTime() + 8 * 3_600_000);
  const first = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), 1);
  return new Date(first - DAY_MS).toISOString().slice(0, 7);
}

/** The days the trend shows: the range (its last 366 days at most), or the last 30 days for a window. */
function trendDays(q: FigureQuery): { from: string; to: string } {
  if (q.window !== 'range') return lastDays(30);
  return { from: dateOf(Math.max(dayMs(q.from), dayMs(q.to) - (MAX_TREND_DAYS - 1) * DAY_MS)), to: q.to };
}

/** 领导驾驶舱: the figures of an area for a window or a range of dates, a category and/or department, live; its children ranked; its trend. */
export function LeaderPage({ api, me }: { api: ApiClient; me: Me }) {
  const { t } = useI18n();
  const roots = knownAreas(me);
  const [area, setArea] = useState<AreaRef | undefined>(roots[0]);
  const [query, setQuery] = useState<FigureQuery>(() => ({ window: 'month', ...lastDays(30), category: '', department: '' }));

  if (!area) return <p className="card">{t('error.forbidden', { message: '—' })}</p>;
  return (
    <div className="leader">
      <aside className="card sidebar">
        <h2>{t('leader.areas')}</h2>
        <AreaTree api={api} roots={roots} selected={area.code} onSelect={setArea} />
      </aside>
      <LeaderArea key={area.code} api={api} area={area} roots={roots} query={query} onQuery={setQuery} onArea={setArea} />
    </div>
  );
}

function LeaderArea({
  api,
  area,
  roots,
  query,
  onQuery,
  onArea,
}: {
  api: ApiClient;
  area: AreaRef;
  roots: readonly AreaRef[];
  query: FigureQuery;
  onQuery: (q: FigureQuery) => void;
  onArea: (a: AreaRef) => void;
}) {
  const { t } = useI18n();
  // A range the API would refuse (to before from) is not asked: what was shown stays until it is fixed.
  const [asked, setAsked] = useState(query);
  const rangeOk = query.window !== 'range' || (query.from !== '' && query.to !== '' && query.from <= query.to);
  useEffect(() => {
    if (rangeOk) setAsked(query);
  }, [query, rangeOk]);
  const set = (change: Partial<FigureQuery>) => onQuery({ ...query, ...change });
  const live = useLiveFigures(api, area.code, asked);
  const params = `${periodParams(asked)}${scopeParams(asked)}`;
  const changes = useSettled(live.changes, 1000);
  const detail = useLoad(area.code, (signal) => api.get<AreaDetail>('intake', `/v1/areas/${encodeURIComponent(area.code)}`, signal));
  const isGrid = area.level === 'grid';
  const ranking = useLoad(isGrid ? undefined : `${area.code}:${params}:${changes}`, (signal) =>
    api.get<RankingAnswer>('projection', `/v1/rankings?area=${encodeURIComponent(area.code)}&${params}`, signal),
  );
  const days = trendDays(asked);
  const trend = useLoad(`${area.code}:${days.from}:${days.to}:${scopeParams(asked)}:${changes}`, async (signal): Promise<TrendData> => {
    const { from, to } = days;
    const series = (figure: string) =>
      api.get<TrendAnswer>(
        'projection',
        `/v1/trends?area=${encodeURIComponent(area.code)}&figure=${figure}&from=${from}&to=${to}${scopeParams(asked)}`,
        signal,
      );
    const [reported, closureRate] = await Promise.all([series('reported'), series('closureRate')]);
    return {
      dates: reported.series.map((p) => p.date),
      reported: reported.series.map((p) => p.value),
      closureRate: closureRate.series.map((p) => p.value),
    };
  });

  const path = detail.data?.path ?? [area];
  const areaParam = `area=${encodeURIComponent(area.code)}`;
  const month = lastMonth();
  return (
    <section className="leader-main">
      <div className="card toolbar">
        <nav className="breadcrumb" data-testid="breadcrumb">
          {path.map((p, i) => (
            <span key={p.code}>
              {i > 0 && <span className="sep">›</span>}
              {within(p.code, roots) && p.code !== area.code ? (
                <button type="button" className="link" onClick={() => onArea(p)}>
                  {p.name}
                </button>
              ) : (
                <strong className={p.code === area.code ? 'current' : 'muted'}>{p.name}</strong>
              )}
            </span>
          ))}
          <small className="level">{t(`level.${area.level}`)}</small>
        </nav>
        <label className="window">
          {t('window.label')}
          <select value={query.window} onChange={(e) => set({ window: e.target.value as WindowKind | 'range' })} data-testid="window">
            {WINDOW_KINDS.map((w) => (
              <option key={w} value={w}>
                {t(`window.${w}`)}
              </option>
            ))}
            <option value="range">{t('window.range')}</option>
          </select>
        </label>
        {query.window === 'range' && (
          <span className="range" data-testid="range">
            <label>
              {t('range.from')}
              <input
                type="date"
                value={query.from}
                max={query.to}
                onChange={(e) => set({ from: e.target.value })}
                data-testid="range-from"
              />
            </label>
            <label>
              {t('range.to')}
              <input type="date" value={query.to} min={query.from} onChange={(e) => set({ to: e.target.value })} data-testid="range-to" />
            </label>
            {!rangeOk && <small className="error">{t('range.invalid')}</small>}
          </span>
        )}
        <ScopeSelect label={t('scope.category')} of="categories" value={query.category} onChange={(category) => set({ category })} />
        <ScopeSelect
          label={t('scope.department')}
          of="departments"
          value={query.department}
          onChange={(department) => set({ department })}
        />
        <span className={`live live-${live.status}`} data-testid="live-status" title={live.error}>
          {t(`leader.${live.status}`)}
          {live.updatedAt && <small>{t('leader.updatedAt', { time: live.updatedAt.toLocaleTimeString() })}</small>}
        </span>
      </div>
      {live.error && live.status !== 'live' && <p className="error">{live.error}</p>}
      <div className="card">
        <h2>
          {t('leader.figures')}
          <Downloads api={api} path="/v1/figures" query={`${areaParam}&${params}`} name="figures" />
        </h2>
        <FigureCards figures={live.answer?.figures} />
      </div>
      <div className="leader-grid">
        <div className="card">
          <h2>
            {t('leader.ranking')}
            {!isGrid && (
              <Downloads
                api={api}
                path="/v1/rankings"
                query={`${areaParam}&${params}`}
                name="rankings"
                extra={[
                  {
                    label: t('export.bulletin', { month }),
                    path: `/v1/bulletins/${month}/document.pdf?${areaParam}`,
                    file: `bulletin_${area.code}_${month}.pdf`,
                    testId: 'download-bulletin-pdf',
                  },
                ]}
              />
            )}
          </h2>
          {isGrid ? (
            <p className="muted">{t('leader.rankingNone')}</p>
          ) : ranking.data ? (
            <RankingTable ranking={ranking.data} onDrill={onArea} />
          ) : ranking.state === 'error' ? (
            <p className="error">{ranking.error.message}</p>
          ) : (
            <p className="muted">{t('app.loading')}</p>
          )}
        </div>
        <div className="card">
          <h2>
            {asked.window === 'range' ? t('leader.trendRange', days) : t('leader.trend')}
            <Downloads
              api={api}
              path="/v1/trends"
              query={`${areaParam}&figure=reported&from=${days.from}&to=${days.to}${scopeParams(asked)}`}
              name="trends"
            />
          </h2>
          {trend.state === 'error' && <p className="error">{trend.error.message}</p>}
          {trend.data && <TrendChart data={trend.data} />}
        </div>
      </div>
      {!isGrid && <AreaMap api={api} area={area.code} ranking={ranking.data} />}
    </section>
  );
}

/** A category or department to narrow the figures to; 全部 for none. */
function ScopeSelect({
  label,
  of,
  value,
  onChange,
}: {
  label: string;
  of: 'categories' | 'departments';
  value: string;
  onChange: (code: string) => void;
}) {
  const { t } = useI18n();
  return (
    <label>
      {label}
      <select
        value={value}
        onChange={(e) => onChange(e.target.value)}
        data-testid={`scope-${of === 'categories' ? 'category' : 'department'}`}
      >
        <option value="">{t('scope.all')}</option>
        <CatalogOptions of={of} />
      </select>
    </label>
  );
}
