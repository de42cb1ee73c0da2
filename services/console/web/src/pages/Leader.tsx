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
import { AreaTree } from '../components/AreaTree.tsx';
import { FigureCards } from '../components/FigureCards.tsx';
import { RankingTable } from '../components/RankingTable.tsx';
import { TrendChart, type TrendData } from '../components/TrendChart.tsx';
import { useLiveFigures } from '../components/useLiveFigures.ts';
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

/** 领导驾驶舱: the figures of an area and window, live; its children ranked; its last 30 days. */
export function LeaderPage({ api, me }: { api: ApiClient; me: Me }) {
  const { t } = useI18n();
  const roots = knownAreas(me);
  const [area, setArea] = useState<AreaRef | undefined>(roots[0]);
  const [span, setSpan] = useState<WindowKind>('month');

  if (!area) return <p className="card">{t('error.forbidden', { message: '—' })}</p>;
  return (
    <div className="leader">
      <aside className="card sidebar">
        <h2>{t('leader.areas')}</h2>
        <AreaTree api={api} roots={roots} selected={area.code} onSelect={setArea} />
      </aside>
      <LeaderArea key={area.code} api={api} area={area} roots={roots} span={span} onSpan={setSpan} onArea={setArea} />
    </div>
  );
}

function LeaderArea({
  api,
  area,
  roots,
  span,
  onSpan,
  onArea,
}: {
  api: ApiClient;
  area: AreaRef;
  roots: readonly AreaRef[];
  span: WindowKind;
  onSpan: (w: WindowKind) => void;
  onArea: (a: AreaRef) => void;
}) {
  const { t } = useI18n();
  const live = useLiveFigures(api, area.code, span);
  const changes = useSettled(live.changes, 1000);
  const detail = useLoad(area.code, (signal) => api.get<AreaDetail>('intake', `/v1/areas/${encodeURIComponent(area.code)}`, signal));
  const isGrid = area.level === 'grid';
  const ranking = useLoad(isGrid ? undefined : `${area.code}:${span}:${changes}`, (signal) =>
    api.get<RankingAnswer>('projection', `/v1/rankings?area=${encodeURIComponent(area.code)}&window=${span}`, signal),
  );
  const trend = useLoad(`${area.code}:${changes}`, async (signal): Promise<TrendData> => {
    const { from, to } = lastDays(30);
    const series = (figure: string) =>
      api.get<TrendAnswer>('projection', `/v1/trends?area=${encodeURIComponent(area.code)}&figure=${figure}&from=${from}&to=${to}`, signal);
    const [reported, closureRate] = await Promise.all([series('reported'), series('closureRate')]);
    return {
      dates: reported.series.map((p) => p.date),
      reported: reported.series.map((p) => p.value),
      closureRate: closureRate.series.map((p) => p.value),
    };
  });

  const path = detail.data?.path ?? [area];
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
          <select value={span} onChange={(e) => onSpan(e.target.value as WindowKind)} data-testid="window">
            {WINDOW_KINDS.map((w) => (
              <option key={w} value={w}>
                {t(`window.${w}`)}
              </option>
            ))}
          </select>
        </label>
        <span className={`live live-${live.status}`} data-testid="live-status" title={live.error}>
          {t(`leader.${live.status}`)}
          {live.updatedAt && <small>{t('leader.updatedAt', { time: live.updatedAt.toLocaleTimeString() })}</small>}
        </span>
      </div>
      {live.error && live.status !== 'live' && <p className="error">{live.error}</p>}
      <div className="card">
        <h2>{t('leader.figures')}</h2>
        <FigureCards figures={live.answer?.figures} />
      </div>
      <div className="leader-grid">
        <div className="card">
          <h2>{t('leader.ranking')}</h2>
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
          <h2>{t('leader.trend')}</h2>
          {trend.state === 'error' && <p className="error">{trend.error.message}</p>}
          {trend.data && <TrendChart data={trend.data} />}
        </div>
      </div>
    </section>
  );
}
