import type { GridEvent } from '@gridgov/contracts';
import { applyEvent, contributions, type AreaTree, type CountedIncident } from '@gridgov/domain';

/** The figures of one area and month that a what-if compares, as the projection counts them (docs/domain.md, 考核). */
export interface WhatIfFigures {
  readonly reported: number;
  /** 立案数: reported less rejected, the denominator of the rates. */
  readonly registered: number;
  readonly closed: number;
  readonly closedOnTime: number;
  /** 按期结案率: closed on time over registered (as GET /v1/figures), null with nothing registered. */
  readonly onTimeClosureRate: number | null;
  /** 超期数: cases whose handling deadline passed while the handling stage is still open. */
  readonly overdue: number;
  /** 督办数: cases escalated at least once. */
  readonly escalated: number;
}

export interface FigureCounts {
  reported: number;
  rejected: number;
  closed: number;
  closedOnTime: number;
  overdue: number;
  escalated: number;
}

export const emptyCounts = (): FigureCounts => ({ reported: 0, rejected: 0, closed: 0, closedOnTime: 0, overdue: 0, escalated: 0 });

/** Adds one case's contributions (the projection's own reducer, `contributions`) to `counts`. */
export function addCase(counts: FigureCounts, i: CountedIncident): void {
  const c = contributions(i);
  counts.reported += c.reported;
  counts.rejected += c.rejected;
  counts.closed += c.closed;
  counts.closedOnTime += c.closedOnTime;
  counts.overdue += c.overdue;
  counts.escalated += c.escalated;
}

export function figuresOf(c: FigureCounts): WhatIfFigures {
  const registered = c.reported - c.rejected;
  return {
    reported: c.reported,
    registered,
    closed: c.closed,
    closedOnTime: c.closedOnTime,
    onTimeClosureRate: registered > 0 ? c.closedOnTime / registered : null,
    overdue: c.overdue,
    escalated: c.escalated,
  };
}

/**
 * What the projection knows of a case after its stream, folded by the projection's reducer (`applyEvent`); undefined
 * when the stream has a gap (the projection would not count it either).
 */
export function countedCase(areas: AreaTree, events: readonly GridEvent[]): CountedIncident | undefined {
  let counted: CountedIncident | undefined;
  for (const event of events) {
    const applied = applyEvent(areas, counted, event);
    if (applied.kind === 'gap') return undefined;
    if (applied.kind === 'applied') counted = applied.incident;
  }
  return counted;
}

/** How a case ended up, in the terms of the figures: what a changed case changed from and to. */
export type CaseOutcome = 'on_time' | 'late' | 'overdue' | 'open' | 'rejected';

export function outcomeOf(i: CountedIncident): CaseOutcome {
  if (i.rejected) return 'rejected';
  if (i.closed) return i.closedOnTime ? 'on_time' : 'late';
  return i.overdue ? 'overdue' : 'open';
}
