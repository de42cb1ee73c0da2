import type { WhatIfReport } from './engine.ts';

/** Columns of a terminal a character takes: CJK and full-width forms two, others one. */
const widthOf = (s: string) =>
  [...s].reduce(
    (w, ch) => w + (/[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(ch) ? 2 : 1),
    0,
  );
const pad = (s: string, width: number, right = false) => {
  const fill = ' '.repeat(Math.max(0, width - widthOf(s)));
  return right ? fill + s : s + fill;
};
const rate = (r: number | null) => (r === null ? '—' : `${(r * 100).toFixed(1)}%`);
const delta = (a: number, b: number) => (b === a ? '' : b > a ? ` (+${b - a})` : ` (${b - a})`);

const OUTCOME: Record<string, string> = {
  on_time: '按期 on time',
  late: '超期结案 late',
  overdue: '超期 overdue',
  open: '在办 open',
  rejected: '不予立案 rejected',
};

/** The report as a terminal table: areas × months, the rules in force beside the proposal, then the changed cases. */
export function reportText(report: WhatIfReport & { readonly setAside?: number }, policyName?: string): string {
  const header = ['区域 area', '月份 month', '上报 reported', '按期结案率 on-time rate', '超期数 overdue', '督办数 escalated'];
  const body = report.rows.map((r) => [
    `${r.area.name} ${r.area.code}`,
    r.month,
    String(r.current.reported),
    `${rate(r.current.onTimeClosureRate)} → ${rate(r.proposed.onTimeClosureRate)}`,
    `${r.current.overdue} → ${r.proposed.overdue}${delta(r.current.overdue, r.proposed.overdue)}`,
    `${r.current.escalated} → ${r.proposed.escalated}${delta(r.current.escalated, r.proposed.escalated)}`,
  ]);
  const widths = header.map((h, i) => Math.max(widthOf(h), ...body.map((row) => widthOf(row[i]!))));
  const line = (cells: string[]) => cells.map((c, i) => pad(c, widths[i]!, i >= 2)).join('  ');
  const out: string[] = [
    `假设分析 what-if${policyName ? `: ${policyName}` : ''} — cases reported ${report.scope.from} … ${report.scope.to}${report.scope.area ? ` in ${report.scope.area}` : ''}, timers as of ${report.asOf}`,
    `${report.eventsRead.toLocaleString('en-US')} events read, ${report.cases.toLocaleString('en-US')} cases decided again; current → proposed`,
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
    '',
    `Cases whose outcome changes: ${report.changedTotal}${report.changed.length < report.changedTotal ? ` (first ${report.changed.length} listed)` : ''}`,
    ...report.changed.map(
      (c) =>
        `  ${c.incidentId}  ${c.category}  ${c.gridCode}  reported ${c.reportedAt}: ${OUTCOME[c.current.outcome]}${c.current.escalated ? ' 督办' : ''} → ${OUTCOME[c.proposed.outcome]}${c.proposed.escalated ? ' 督办' : ''}`,
    ),
    '',
  ];
  if (report.refusedActions > 0)
    out.push(
      `${report.refusedActions} people's actions are refused under the proposal (e.g. an extension asked after a shorter deadline passed).`,
    );
  if (report.currentDiffersFromLog > 0)
    out.push(
      `Check: ${report.currentDiffersFromLog} cases decided again under the rules they were decided under end otherwise than the log says (their rules changed while they were open, or a timer lagged a command).`,
    );
  else out.push('Check: decided again under the rules they were decided under, every case ends as the log says.');
  if (report.setAside) out.push(`${report.setAside} records of grid.events were not believed (signature or schema) and left out.`);
  out.push(`Limits: ${report.limits}`);
  return `${out.join('\n')}\n`;
}
