import type { Figures, RankingAnswer } from '@gridgov/projection-api';
import { bulletinHtml, ChromiumPdfPrinter, rankingTable, toCsv, toXlsx, type Bulletin } from '@gridgov/projection';
import pino from 'pino';
import { report, type Figure, type SuiteRows } from './support.ts';

const figures = (i: number): Figures => ({
  reported: 100 + (i % 37),
  dispatched: 90 + (i % 31),
  registered: 95 + (i % 29),
  closed: 80 + (i % 23),
  closureRate: (80 + (i % 23)) / (95 + (i % 29)),
  closedOnTime: 70 + (i % 19),
  onTimeClosureRate: (70 + (i % 19)) / (95 + (i % 29)),
  overdue: i % 7,
  reworkRate: (i % 11) / 100,
  extensionRate: (i % 5) / 100,
  escalated: i % 3,
  meanHandlingHours: 10 + (i % 13) / 3,
});

/** A ranking of `n` children, as /v1/rankings answers it. */
function ranking(n: number): RankingAnswer {
  const area = { code: '440705', name: '新会区', level: 'district' as const };
  return {
    area,
    window: { kind: 'month', id: 'm2026-11' },
    scope: { category: null, department: null },
    weights: { closure: 0.4, onTime: 0.4, rework: 0.2 },
    bottom: 3,
    rows: Array.from({ length: n }, (_, i) => ({
      rank: i + 1,
      area: { code: String(440705000000 + i), name: `社区${i}`, level: 'community' as const },
      score: 1 - i / n,
      bottom: i >= n - 3,
      figures: figures(i),
    })),
    noData: [],
  };
}

/**
 * How fast an answer becomes a file: rows per second of the XLSX and CSV exports of a large ranking, beside
 * JSON.stringify of the same answer (what the JSON route costs); and the bulletin PDF of a district of 11 towns,
 * printed by the system's Chromium (warm: launched once before), beside its HTML.
 */
export async function exportsBench(rows: number, documents: number): Promise<SuiteRows> {
  const answer = ranking(rows);
  const timed = async (body: () => unknown): Promise<number> => {
    await body(); // warm up
    const began = performance.now();
    await body();
    return (performance.now() - began) / 1000;
  };
  const json = await timed(() => JSON.stringify(answer));
  const csv = await timed(() => toCsv(rankingTable(answer)));
  const xlsx = await timed(() => toXlsx(rankingTable(answer), new Date()));
  const perSecond = (s: number) => Math.round(rows / s);

  const bulletin: Bulletin = {
    month: '2026-11',
    area: answer.area,
    frozenAt: new Date().toISOString(),
    ranking: { ...ranking(11), rows: ranking(11).rows.map((r) => ({ ...r, area: { ...r.area, level: 'town' as const } })) },
    daily: Array.from({ length: 30 }, (_, d) => ({
      date: `2026-11-${String(d + 1).padStart(2, '0')}`,
      reported: 40 + (d % 9),
      closed: 30 + (d % 7),
    })),
  };
  const printer = new ChromiumPdfPrinter('/usr/bin/chromium', pino({ level: 'silent' }));
  let pdfMs = Number.NaN;
  let htmlMs = Number.NaN;
  try {
    await printer.print(bulletinHtml(bulletin));
    const began = performance.now();
    for (let i = 0; i < documents; i++) await printer.print(bulletinHtml(bulletin));
    pdfMs = (performance.now() - began) / documents;
    const htmlBegan = performance.now();
    for (let i = 0; i < 1_000; i++) bulletinHtml(bulletin);
    htmlMs = (performance.now() - htmlBegan) / 1_000;
  } finally {
    await printer.close();
  }
  const figuresOut: Figure[] = [
    { name: 'JSON.stringify of the ranking', value: perSecond(json), unit: 'rows/s' },
    { name: 'CSV export of the ranking', value: perSecond(csv), unit: 'rows/s' },
    { name: 'XLSX export of the ranking', value: perSecond(xlsx), unit: 'rows/s' },
    { name: 'bulletin HTML, 11 towns', value: htmlMs, unit: 'ms' },
    { name: 'bulletin PDF, 11 towns (Chromium warm)', value: pdfMs, unit: 'ms' },
  ];
  report('exports', figuresOut, { rows, documents });
  return [
    {
      figure: `exports: XLSX rows/s, a ranking of ${rows.toLocaleString('en-US')}`,
      value: perSecond(xlsx),
      unit: 'rows/s',
      reference: { name: 'JSON.stringify of it', value: perSecond(json), unit: 'rows/s' },
    },
    {
      figure: `exports: CSV rows/s, a ranking of ${rows.toLocaleString('en-US')}`,
      value: perSecond(csv),
      unit: 'rows/s',
      reference: { name: 'JSON.stringify of it', value: perSecond(json), unit: 'rows/s' },
    },
    {
      figure: 'exports: bulletin PDF of 11 towns, ms each',
      value: pdfMs,
      unit: 'ms',
      reference: { name: 'its HTML', value: htmlMs, unit: 'ms' },
    },
  ];
}
