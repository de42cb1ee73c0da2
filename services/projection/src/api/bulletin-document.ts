import type { Figures } from '@gridgov/projection-api';
import { shanghaiTimestamp, type Bulletin, type BulletinDay } from './bulletin.ts';
import { dailyChartSvg } from './bulletin-chart.ts';

export const escapeHtml = (s: string) =>
  s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

const pct = (r: number | null) => (r === null ? '—' : `${(r * 100).toFixed(1)}%`);
const score = (s: number) => s.toFixed(4);

/** The six figures every child's table holds, in the order a bulletin reads them. */
const CHILD_FIGURES: readonly [string, (f: Figures) => string][] = [
  ['上报数', (f) => String(f.reported)],
  ['立案数', (f) => String(f.registered)],
  ['结案率', (f) => pct(f.closureRate)],
  ['按期结案率', (f) => pct(f.onTimeClosureRate)],
  ['返工率', (f) => pct(f.reworkRate)],
  ['超期数', (f) => String(f.overdue)],
];

const PRINT_CSS = `
@page { size: A4; margin: 16mm 14mm; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "WenQuanYi Micro Hei", sans-serif; color: #111; margin: 0 auto; font-size: 11pt; }
@media screen { body { max-width: 182mm; padding: 8mm 0; } }
h1 { font-size: 18pt; text-align: center; margin: 0 0 4mm; }
h2 { font-size: 13pt; border-bottom: 1px solid #999; padding-bottom: 1mm; margin: 6mm 0 3mm; }
h3 { font-size: 11pt; margin: 3mm 0 1mm; }
.meta { text-align: center; color: #444; font-size: 9pt; margin-bottom: 4mm; }
table { border-collapse: collapse; width: 100%; font-size: 9.5pt; }
th, td { border: 1px solid #888; padding: 1mm 2mm; text-align: right; }
th { background: #eee; }
td.name, th.name { text-align: left; }
tr.bottom td { background: #fde8e8; font-weight: bold; }
.bottom-note { font-weight: bold; color: #b00; }
.chart { width: 100%; height: auto; }
.children { display: grid; grid-template-columns: 1fr 1fr; gap: 2mm 6mm; }
.child { break-inside: avoid; }
.child th { white-space: nowrap; font-size: 8.5pt; padding: 1mm; }
.live { color: #b00; font-size: 9pt; }
@media print { .child, table.ranking tr, .chart { break-inside: avoid; } a { color: inherit; text-decoration: none; } }
`;

/**
 * 月通报 as a printable HTML page: the ranking of the area's children, the 末位 named, the chart of the month and a
 * table per child, from the frozen bulletin only (`liveDaily` stands in for the chart of a bulletin frozen before
 * its days were kept, and says so). Every text from outside (area names) is escaped; no script, no external asset.
 */
export function bulletinHtml(b: Bulletin, liveDaily?: readonly BulletinDay[]): string {
  const [year, month] = [Number(b.month.slice(0, 4)), Number(b.month.slice(5, 7))];
  const title = `${b.area.name}${year}年${month}月网格化服务管理月通报`;
  const r = b.ranking;
  const bottoms = r.rows.filter((row) => row.bottom);
  const bottomNote =
    bottoms.length > 0
      ? `<p class="bottom-note">本月末位：${bottoms.map((row) => escapeHtml(row.area.name)).join('、')}</p>`
      : `<p>本月无末位（参与排名 ${r.rows.length} 个，不足 ${r.bottom + 1} 个或得分并列第一时不设末位）。</p>`;
  const rankingRows = [
    ...r.rows.map(
      (row) =>
        `<tr${row.bottom ? ' class="bottom"' : ''}><td>${row.rank}</td><td class="name">${escapeHtml(row.area.name)}</td>` +
        `<td>${score(row.score)}</td>${CHILD_FIGURES.map(([, f]) => `<td>${f(row.figures)}</td>`).join('')}<td>${row.bottom ? '末位' : ''}</td></tr>`,
    ),
    ...r.noData.map(
      (row) =>
        `<tr><td>—</td><td class="name">${escapeHtml(row.area.name)}</td><td>—</td>` +
        `${CHILD_FIGURES.map(([, f]) => `<td>${f(row.figures)}</td>`).join('')}<td>无数据</td></tr>`,
    ),
  ].join('\n');
  const children = [...r.rows, ...r.noData]
    .map(
      (row) =>
        `<section class="child"><h3>${escapeHtml(row.area.name)} <small>${escapeHtml(row.area.code)}</small></h3><table><tr>` +
        CHILD_FIGURES.map(([label]) => `<th>${label}</th>`).join('') +
        `</tr><tr>${CHILD_FIGURES.map(([, f]) => `<td>${f(row.figures)}</td>`).join('')}</tr></table></section>`,
    )
    .join('\n');
  const daily = b.daily ?? liveDaily ?? [];
  const chartNote = b.daily ? '' : '<p class="live">本通报冻结时未保存每日数据，下图为当前实时数据。</p>';
  const w = r.weights;
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<style>${PRINT_CSS}</style></head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="meta">区域代码 ${escapeHtml(b.area.code)} · 统计月份 ${escapeHtml(b.month)} · 冻结于 ${escapeHtml(shanghaiTimestamp(new Date(b.frozenAt)))}</p>
<h2>一、下级排名</h2>
<p>综合得分 = ${w.closure} × 结案率 + ${w.onTime} × 按期结案率 + ${w.rework} × (1 − 返工率)；得分最低的 ${r.bottom} 个列为末位。</p>
<table class="ranking"><thead><tr><th>名次</th><th class="name">区域</th><th>综合得分</th>${CHILD_FIGURES.map(([l]) => `<th>${l}</th>`).join('')}<th>末位</th></tr></thead>
<tbody>
${rankingRows}
</tbody></table>
${bottomNote}
<h2>二、本月趋势（每日上报数与结案数）</h2>
${chartNote}${dailyChartSvg(daily)}
<h2>三、各下级指标</h2>
<div class="children">
${children}
</div>
</body></html>
`;
}
