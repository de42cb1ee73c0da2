import { useState } from 'react';
import type { ApiClient } from '../api/client.ts';
import type { IncidentPage, RankingAnswer } from '../api/types.ts';
import { useI18n } from '../i18n/context.tsx';
import { useLoad } from './useLoad.ts';

type Position = readonly [number, number];
type Geometry = { type: 'Polygon'; coordinates: Position[][] } | { type: 'MultiPolygon'; coordinates: Position[][][] } | null;
interface Feature {
  readonly id: string;
  readonly properties: { readonly code: string; readonly name: string };
  readonly geometry: Geometry;
}
interface FeatureCollection {
  readonly features: readonly Feature[];
}

/** The figures a map can be shaded by: counts and rates of the ranking's rows. */
const MAP_FIGURES = ['reported', 'overdue', 'closureRate', 'onTimeClosureRate'] as const;
type MapFigure = (typeof MAP_FIGURES)[number];
/** The open cases drawn: those waiting for a dispatcher and those being handled (200 of each at most). */
const OPEN_QUEUES = ['new', 'handling'] as const;

const WIDTH = 640;
const HEIGHT = 420;

const polygonsOf = (g: Geometry): Position[][][] => (g === null ? [] : g.type === 'Polygon' ? [g.coordinates] : g.coordinates);

/**
 * An equirectangular projection of the features' extent onto the drawing (longitude scaled by the cosine of the mean
 * latitude, so a district keeps its shape): offline, from the boundaries the API gives, no tiles.
 */
export function projection(features: readonly Feature[], width = WIDTH, height = HEIGHT) {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const f of features)
    for (const polygon of polygonsOf(f.geometry))
      for (const [x, y] of polygon[0] ?? []) {
        minX = Math.min(minX, x);
        maxX = Math.max(maxX, x);
        minY = Math.min(minY, y);
        maxY = Math.max(maxY, y);
      }
  if (!Number.isFinite(minX)) return undefined;
  const k = Math.cos((((minY + maxY) / 2) * Math.PI) / 180);
  const scale = Math.min((width - 20) / Math.max((maxX - minX) * k, 1e-9), (height - 20) / Math.max(maxY - minY, 1e-9));
  const offsetX = (width - (maxX - minX) * k * scale) / 2;
  const offsetY = (height - (maxY - minY) * scale) / 2;
  return (lng: number, lat: number): [number, number] => [offsetX + (lng - minX) * k * scale, offsetY + (maxY - lat) * scale];
}

/** A shade from pale to deep blue for a share 0..1; grey when there is no figure. */
const shade = (share: number | undefined) =>
  share === undefined ? '#e5e7eb' : `hsl(215, 70%, ${Math.round(92 - 55 * Math.max(0, Math.min(1, share)))}%)`;

/**
 * 区域地图: the children of an area (its grids, or its towns or communities) drawn from their boundaries, shaded by a
 * chosen figure of the ranking, with the open cases as points: one per grid holding some, sized by how many.
 */
export function AreaMap({ api, area, ranking }: { api: ApiClient; area: string; ranking: RankingAnswer | undefined }) {
  const { t } = useI18n();
  const [figure, setFigure] = useState<MapFigure>('reported');
  const shapes = useLoad(area, (signal) =>
    api.get<FeatureCollection>('intake', `/v1/areas/${encodeURIComponent(area)}/boundaries`, signal),
  );
  // The read model keeps no case's position: each grid with open cases is a point (inside it), sized by how many.
  const cases = useLoad(area, async (signal) => {
    const [pages, grids] = await Promise.all([
      Promise.all(
        OPEN_QUEUES.map((queue) =>
          api.get<IncidentPage>('intake', `/v1/incidents?area=${encodeURIComponent(area)}&queue=${queue}&limit=200`, signal),
        ),
      ),
      api.get<FeatureCollection>('intake', `/v1/areas/${encodeURIComponent(area)}/boundaries?level=grid`, signal),
    ]);
    const open = new Map<string, number>();
    for (const c of pages.flatMap((p) => p.items)) open.set(c.gridCode, (open.get(c.gridCode) ?? 0) + 1);
    return grids.features.flatMap((g) => {
      const ring = polygonsOf(g.geometry)[0]?.[0]?.slice(0, -1) ?? [];
      const n = open.get(g.properties.code);
      if (!n || ring.length === 0) return [];
      const mean = (i: 0 | 1) => ring.reduce((sum, p) => sum + p[i], 0) / ring.length;
      return [{ grid: g.properties.code, name: g.properties.name, lng: mean(0), lat: mean(1), open: n }];
    });
  });

  const features = shapes.data?.features ?? [];
  const project = projection(features);
  const values = new Map<string, number | null>();
  for (const row of [...(ranking?.rows ?? []), ...(ranking?.noData ?? [])]) values.set(row.area.code, row.figures[figure]);
  const known = [...values.values()].filter((v): v is number => typeof v === 'number');
  const max = Math.max(...known, 0);
  const rate = figure === 'closureRate' || figure === 'onTimeClosureRate';
  const shareOf = (code: string) => {
    const v = values.get(code);
    if (typeof v !== 'number') return undefined;
    return rate ? v : max > 0 ? v / max : 0;
  };
  const label = (code: string) => {
    const v = values.get(code);
    return typeof v !== 'number' ? '—' : rate ? `${(v * 100).toFixed(1)}%` : String(v);
  };

  return (
    <div className="card area-map">
      <h2>
        {t('map.title')}{' '}
        <label>
          {t('map.figure')}
          <select value={figure} onChange={(e) => setFigure(e.target.value as MapFigure)} data-testid="map-figure">
            {MAP_FIGURES.map((f) => (
              <option key={f} value={f}>
                {t(`figure.${f}`)}
              </option>
            ))}
          </select>
        </label>
      </h2>
      {shapes.state === 'error' && <p className="error">{shapes.error.message}</p>}
      {shapes.data && !project && <p className="muted">{t('map.noBoundaries')}</p>}
      {project && (
        <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={t('map.title')} data-testid="area-map">
          {features.map((f) => (
            <g key={f.id} data-area={f.properties.code}>
              <title>{`${f.properties.name}: ${t(`figure.${figure}`)} ${label(f.properties.code)}`}</title>
              {polygonsOf(f.geometry).map((polygon, i) => (
                <path
                  key={i}
                  d={polygon
                    .map(
                      (ring) =>
                        `M${ring
                          .map(([x, y]) =>
                            project(x, y)
                              .map((n) => n.toFixed(1))
                              .join(','),
                          )
                          .join('L')}Z`,
                    )
                    .join('')}
                  fill={shade(shareOf(f.properties.code))}
                  fillRule="evenodd"
                  stroke="#475569"
                  strokeWidth={0.6}
                />
              ))}
            </g>
          ))}
          {(cases.data ?? []).map((c) => {
            const [x, y] = project(c.lng, c.lat);
            return (
              <circle
                key={c.grid}
                className="case-point"
                data-grid={c.grid}
                cx={x}
                cy={y}
                r={2.5 + Math.sqrt(c.open)}
                fill="#dc2626"
                fillOpacity={0.8}
                stroke="#fff"
                strokeWidth={0.8}
              >
                <title>{`${c.name}: ${c.open}`}</title>
              </circle>
            );
          })}
        </svg>
      )}
      {project && (
        <p className="muted">
          <span className="legend-dot" /> {t('map.cases')}: {cases.data?.reduce((n, c) => n + c.open, 0) ?? '…'}
        </p>
      )}
    </div>
  );
}
