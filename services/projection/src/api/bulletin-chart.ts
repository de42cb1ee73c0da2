import type { BulletinDay } from './bulletin.ts';

const W = 640;
const H = 220;
const PAD = { left: 40, right: 16, top: 16, bottom: 28 };

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The month's 上报数 and 结案数 day by day as an inline SVG line chart: no script, no font or asset to fetch, so it
 * prints the same in any browser and in the PDF.
 */
export function dailyChartSvg(days: readonly BulletinDay[]): string {
  const max = Math.max(1, ...days.map((d) => Math.max(d.reported, d.closed)));
  const top = niceCeiling(max);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (days.length <= 1 ? plotW / 2 : (plotW * i) / (days.length - 1));
  const y = (v: number) => PAD.top + plotH - (plotH * v) / top;
  const line = (pick: (d: BulletinDay) => number) => days.map((d, i) => `${x(i).toFixed(1)},${y(pick(d)).toFixed(1)}`).join(' ');
  const ticks = [0, top / 2, top];
  const grid = ticks
    .map(
      (t) =>
        `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#ddd"/>` +
        `<text x="${PAD.left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${t}</text>`,
    )
    .join('');
  const labels = days
    .map((d, i) => ({ d, i }))
    .filter(({ i }) => i === 0 || i === days.length - 1 || (i + 1) % 5 === 0)
    .map(({ d, i }) => `<text x="${x(i).toFixed(1)}" y="${H - 8}" text-anchor="middle">${escapeXml(d.date.slice(8))}</text>`)
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" role="img" aria-label="每日上报数与结案数" class="chart" font-size="11">` +
    grid +
    labels +
    `<polyline fill="none" stroke="#1f6feb" stroke-width="2" points="${line((d) => d.reported)}"/>` +
    `<polyline fill="none" stroke="#2da44e" stroke-width="2" stroke-dasharray="5 3" points="${line((d) => d.closed)}"/>` +
    `<g transform="translate(${W - PAD.right - 150},${PAD.top})"><rect width="150" height="20" fill="#fff" opacity="0.8"/>` +
    `<line x1="6" x2="26" y1="10" y2="10" stroke="#1f6feb" stroke-width="2"/><text x="30" y="14">上报数</text>` +
    `<line x1="76" x2="96" y1="10" y2="10" stroke="#2da44e" stroke-width="2" stroke-dasharray="5 3"/><text x="100" y="14">结案数</text></g>` +
    `</svg>`
  );
}

/** A round axis top at or above `n`: 1, 2, 5 × 10^k. */
function niceCeiling(n: number): number {
  const k = 10 ** Math.floor(Math.log10(n));
  return ([1, 2, 5, 10].find((m) => m * k >= n) ?? 10) * k;
}
