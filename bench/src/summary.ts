import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { repoRoot, type SummaryRow } from './support.ts';

export interface SummaryRun {
  readonly full: boolean;
  readonly suites: readonly { readonly name: string; readonly seconds: number; readonly rows: readonly SummaryRow[] }[];
  readonly seconds: number;
}

const ratioOf = (row: SummaryRow) => (row.reference && row.reference.value !== 0 ? row.value / row.reference.value : Number.NaN);

/** Two significant digits, with thousands separators above 100. */
function amount(n: number): string {
  if (!Number.isFinite(n)) return '—';
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  return Number(n.toPrecision(2)).toString();
}

function ratio(n: number): string {
  return Number.isFinite(n) ? `${amount(n)}×` : '—';
}

function machine() {
  const commit = (() => {
    try {
      return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  })();
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    commit,
  };
}

/** The table every run ends with: ratio first, then the figure, its value and its reference. */
export function summaryTable(run: SummaryRun): string {
  const m = machine();
  const rows = run.suites.flatMap((s) => s.rows);
  const cells = rows.map((r) => [
    ratio(ratioOf(r)),
    r.figure,
    `${amount(r.value)} ${r.unit}`,
    r.reference ? `${r.reference.name}: ${amount(r.reference.value)} ${r.reference.unit}` : '',
  ]);
  const header = ['ratio', 'figure', 'value', 'reference (same run, same machine)'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]) =>
    `  ${c[0]!.padStart(widths[0]!)}  ${c[1]!.padEnd(widths[1]!)}  ${c[2]!.padStart(widths[2]!)}  ${c[3]!}`.trimEnd();
  const took = run.suites.map((s) => `${s.name} ${Math.round(s.seconds)} s`).join(', ');
  return [
    `Summary (${run.full ? '--full' : 'default'} sizes; ${m.cpus} CPUs ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}, commit ${m.commit})`,
    line(header),
    ...cells.map(line),
    `  took ${Math.round(run.seconds)} s: ${took}. Ratio = value / reference.`,
  ].join('\n');
}

/** The same figures as JSON: bench-results/summary-<time>.json and bench-results/latest.json. */
export function writeSummary(run: SummaryRun): string {
  const at = new Date().toISOString();
  const body = JSON.stringify(
    {
      at,
      full: run.full,
      seconds: Math.round(run.seconds),
      machine: machine(),
      suites: run.suites.map((s) => ({ name: s.name, seconds: Math.round(s.seconds) })),
      rows: run.suites.flatMap((s) =>
        s.rows.map((r) => ({ suite: s.name, ...r, ratio: Number.isFinite(ratioOf(r)) ? Math.round(ratioOf(r) * 1000) / 1000 : null })),
      ),
    },
    null,
    2,
  );
  const dir = resolve(repoRoot, 'bench-results');
  mkdirSync(dir, { recursive: true });
  const file = resolve(dir, `summary-${at.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, body);
  writeFileSync(resolve(dir, 'latest.json'), body);
  return file;
}
