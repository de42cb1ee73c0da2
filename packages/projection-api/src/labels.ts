import type { FigureName } from './answers.ts';

/** How a leader's office names each figure (考核指标): the headers of exports and bulletin documents. */
export const FigureLabels: Readonly<Record<FigureName, string>> = {
  reported: '上报数',
  dispatched: '派遣数',
  registered: '立案数',
  closed: '结案数',
  closureRate: '结案率',
  closedOnTime: '按期结案数',
  onTimeClosureRate: '按期结案率',
  overdue: '超期数',
  reworkRate: '返工率',
  extensionRate: '延期率',
  escalated: '督办数',
  meanHandlingHours: '平均处置时长(工作小时)',
};

/** The figures that are rates (a share of registered cases, null while nothing is registered). */
export const RateFigures: ReadonlySet<FigureName> = new Set(['closureRate', 'onTimeClosureRate', 'reworkRate', 'extensionRate']);
