import {
  FigureLabels,
  FigureNames,
  RateFigures,
  type AnswerWindow,
  type AreaRef,
  type FigureName,
  type Figures,
  type FiguresAnswer,
  type RankingAnswer,
  type TrendAnswer,
} from '@gridgov/projection-api';

/**
 * An answer as a sheet: what the CSV and the XLSX are both written from, so they cannot disagree. Each column has a
 * Chinese header (what the office reads) and a code (the field of the JSON answer, what a program matches on).
 */
export type ColumnKind = 'text' | 'integer' | 'rate' | 'decimal';

export interface Column {
  readonly header: string;
  readonly code: string;
  readonly kind: ColumnKind;
}

/** A cell: text, a number, or empty (a rate with nothing registered). Rates are fractions (0.75), as in the JSON. */
export type Cell = string | number | null;

export interface ExportTable {
  /** The sheet's name and the file name's stem (no extension). */
  readonly name: string;
  readonly title: string;
  /** What the table counts, one line each: area, window, scope, weights (the 说明 of the XLSX, a preamble nowhere else). */
  readonly about: readonly (readonly [string, string])[];
  readonly columns: readonly Column[];
  readonly rows: readonly (readonly Cell[])[];
}

const kindOf = (f: FigureName): ColumnKind => (RateFigures.has(f) ? 'rate' : f === 'meanHandlingHours' ? 'decimal' : 'integer');
const figureColumns: readonly Column[] = FigureNames.map((f) => ({ header: FigureLabels[f], code: f, kind: kindOf(f) }));
const figureCells = (f: Figures): Cell[] => FigureNames.map((name) => f[name]);

const areaColumns: readonly Column[] = [
  { header: '区域代码', code: 'area.code', kind: 'text' },
  { header: '区域', code: 'area.name', kind: 'text' },
];
const areaCells = (a: AreaRef): Cell[] => [a.code, a.name];

const windowText = (w: AnswerWindow) => (w.kind === 'range' ? `${w.from ?? ''}..${w.to ?? ''}` : w.id);
const scopeLines = (s: { category: string | null; department: string | null }): [string, string][] => [
  ['类别 category', s.category ?? '全部'],
  ['处置部门 department', s.department ?? '全部'],
];
/** A file-name-safe stem: the window id's dots are kept, anything else odd becomes '-'. */
const stem = (...parts: string[]) => parts.join('_').replace(/[^\w.\-\u4e00-\u9fff]/g, '-');

export function figuresTable(a: FiguresAnswer): ExportTable {
  return {
    name: stem('figures', a.area.code, windowText(a.window)),
    title: `${a.area.name} 考核指标 ${windowText(a.window)}`,
    about: [['区域 area', `${a.area.name} (${a.area.code})`], ['时段 window', windowText(a.window)], ...scopeLines(a.scope)],
    columns: [...areaColumns, { header: '时段', code: 'window', kind: 'text' }, ...figureColumns],
    rows: [[...areaCells(a.area), windowText(a.window), ...figureCells(a.figures)]],
  };
}

/** The ranked rows best first, then the 无数据 rows with no rank or score, as the JSON lists them. */
export function rankingTable(a: RankingAnswer): ExportTable {
  return {
    name: stem('rankings', a.area.code, windowText(a.window)),
    title: `${a.area.name} 下级排名 ${windowText(a.window)}`,
    about: [
      ['区域 area', `${a.area.name} (${a.area.code})`],
      ['时段 window', windowText(a.window)],
      ...scopeLines(a.scope),
      ['权重 weights', `结案率 ${a.weights.closure}, 按期结案率 ${a.weights.onTime}, 1 − 返工率 ${a.weights.rework}`],
      ['末位 bottom', String(a.bottom)],
    ],
    columns: [
      { header: '名次', code: 'rank', kind: 'integer' },
      ...areaColumns,
      { header: '综合得分', code: 'score', kind: 'decimal' },
      { header: '末位', code: 'bottom', kind: 'text' },
      ...figureColumns,
    ],
    rows: [
      ...a.rows.map((r) => [r.rank, ...areaCells(r.area), r.score, r.bottom ? '末位' : '', ...figureCells(r.figures)]),
      ...a.noData.map((r) => [null, ...areaCells(r.area), null, '无数据', ...figureCells(r.figures)]),
    ],
  };
}

export function trendTable(a: TrendAnswer): ExportTable {
  return {
    name: stem('trends', a.area.code, a.figure, `${a.from}..${a.to}`),
    title: `${a.area.name} ${FigureLabels[a.figure]} 趋势 ${a.from}..${a.to}`,
    about: [
      ['区域 area', `${a.area.name} (${a.area.code})`],
      ['指标 figure', `${FigureLabels[a.figure]} (${a.figure})`],
      ['时段 window', `${a.from}..${a.to}`],
      ...scopeLines(a.scope),
    ],
    columns: [
      { header: '日期', code: 'date', kind: 'text' },
      { header: FigureLabels[a.figure], code: a.figure, kind: kindOf(a.figure) },
    ],
    rows: a.series.map((p) => [p.date, p.value]),
  };
}
