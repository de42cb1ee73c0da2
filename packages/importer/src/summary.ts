import type { ImportSummary } from './import.ts';

const n = (x: number) => x.toLocaleString('en-US');

/** The end-of-run summary, for people: counts, rate, and the refused rows by line, column and reason. */
export function summaryText(s: ImportSummary, peakRssBytes?: number): string {
  const lines = [
    `${s.dryRun ? 'dry run (nothing written)' : 'imported'}: ${s.file} (source ${s.source})`,
    `  rows      ${n(s.rows)}`,
    `  ${s.dryRun ? 'would go' : 'imported'}  ${n(s.imported)}`,
    `  refused   ${n(s.refused)}`,
    `  time      ${s.seconds.toFixed(1)} s (${n(Math.round(s.rows / Math.max(s.seconds, 0.001)))} rows/s)`,
    ...(peakRssBytes === undefined ? [] : [`  peak RSS  ${(peakRssBytes / 2 ** 20).toFixed(1)} MiB`]),
  ];
  if (s.problems.length > 0) {
    lines.push('', 'refused rows (line, column: reason):');
    for (const p of s.problems) lines.push(`  line ${p.line}, ${p.column}: ${p.reason}`);
    if (s.problemsLeftOut > 0) lines.push(`  … and ${n(s.problemsLeftOut)} more problems not listed (--list to see more)`);
  }
  return `${lines.join('\n')}\n`;
}
