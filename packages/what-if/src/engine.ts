import type { GridEvent } from '@gridgov/contracts';
import type { ConfigSnapshot } from '@gridgov/config-data';
import { type AreaLevel, type CountedIncident, shanghaiDate } from '@gridgov/domain';
import {
  addCase,
  countedCase,
  emptyCounts,
  figuresOf,
  outcomeOf,
  type CaseOutcome,
  type FigureCounts,
  type WhatIfFigures,
} from './figures.ts';
import { replayCase } from './replay-case.ts';

/** What a run compares: cases reported (Asia/Shanghai dates) from `from` to `to`, both included, optionally in one area. */
export interface WhatIfScope {
  /** YYYY-MM-DD */
  readonly from: string;
  /** YYYY-MM-DD */
  readonly to: string;
  /** An area code: only cases in its subtree, and rows for it and the areas under it. */
  readonly area?: string | undefined;
}

export interface WhatIfRow {
  readonly area: { readonly code: string; readonly name: string; readonly level: AreaLevel };
  /** YYYY-MM, the month the cases were reported in (Asia/Shanghai). */
  readonly month: string;
  readonly current: WhatIfFigures;
  readonly proposed: WhatIfFigures;
}

export interface CaseSide {
  readonly outcome: CaseOutcome;
  readonly escalated: boolean;
}

export interface ChangedCase {
  readonly incidentId: string;
  readonly gridCode: string;
  readonly category: string;
  readonly reportedAt: string;
  readonly current: CaseSide;
  readonly proposed: CaseSide;
}

export interface WhatIfReport {
  readonly scope: WhatIfScope;
  /** The replay's "now": the timers of both sides fired up to here (the latest event on the log). */
  readonly asOf: string;
  readonly eventsRead: number;
  readonly cases: number;
  /** Areas of each level (community, town, district, city) by month, current rules beside the proposal. */
  readonly rows: readonly WhatIfRow[];
  /** Cases whose outcome (on time, late, overdue …) or 督办 differs; at most `maxChanged`, `changedTotal` of them in all. */
  readonly changed: readonly ChangedCase[];
  readonly changedTotal: number;
  /** People's actions the proposal's rules refuse when given again (an extension asked after a shorter deadline …). */
  readonly refusedActions: number;
  /**
   * The check on the replay itself: cases whose outcome under the current rules, decided again, differs from the log's.
   * 0 unless the rules changed during the window (the current rules are today's) or the worker's timer lagged a command.
   */
  readonly currentDiffersFromLog: number;
  readonly limits: string;
}

export const WHAT_IF_LIMITS =
  "People's actions (dispatch, sign-for, handling, verification, extensions, suspensions) are replayed at the times they happened: the replay changes the rules, not the people. 回放只改变规则，不改变人的行为：派遣、签收、处置、核查等按实际发生的时间重放。";

/** Row levels: every level the projection keeps figures for, but the grid (too fine to compare). */
const ROW_LEVELS: ReadonlySet<AreaLevel> = new Set(['community', 'town', 'district', 'city']);

interface Buffered {
  readonly events: GridEvent[];
  readonly inScope: boolean;
}

/**
 * A what-if run: the events of grid.events go in (`add`, any order across cases, in version order within one), the
 * comparison comes out (`finish`). Each case of the scope is decided twice by the domain's decider, under the rules in
 * force (`current`) and under the proposal (`proposed`), and counted by the projection's reducer. Pure: no I/O, no clock.
 */
export class WhatIfReplay {
  private readonly cases = new Map<string, Buffered>();
  private latest = 0;
  private read = 0;

  constructor(
    private readonly current: ConfigSnapshot,
    private readonly proposed: ConfigSnapshot,
    private readonly scope: WhatIfScope,
    private readonly maxChanged = 500,
  ) {}

  get eventsRead(): number {
    return this.read;
  }

  add(event: GridEvent): void {
    this.read++;
    this.latest = Math.max(this.latest, Date.parse(event.metadata.occurredAt));
    const id = event.metadata.incidentId;
    let buffered = this.cases.get(id);
    if (!buffered) {
      if (event.type !== 'IncidentReported' && event.type !== 'IncidentImported') return;
      buffered = { events: [], inScope: this.inScope(event.data.gridCode, event.data.reportedAt) };
      this.cases.set(id, buffered);
    }
    if (buffered.inScope) buffered.events.push(event);
  }

  private inScope(gridCode: string, reportedAt: string): boolean {
    const day = this.dayOf(reportedAt);
    if (day < this.scope.from || day > this.scope.to) return false;
    return this.scope.area === undefined || this.current.areas.isWithin(gridCode, this.scope.area);
  }

  private dayOf(instant: string): string {
    const d = shanghaiDate(instant);
    return `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
  }

  /** Cases of the scope read so far: what `finish` decides. */
  get casesInScope(): number {
    let n = 0;
    for (const c of this.cases.values()) if (c.inScope) n++;
    return n;
  }

  /**
   * Decides every case of the scope under both rules, timers fired up to `asOf` (default: the latest event read);
   * `onCase` is told after each case (a progress bar).
   */
  finish(asOf = this.latest, onCase?: (done: number) => void): WhatIfReport {
    const cells = new Map<string, { area: string; month: string; current: FigureCounts; proposed: FigureCounts }>();
    const changed: ChangedCase[] = [];
    let changedTotal = 0;
    let refusedActions = 0;
    let differs = 0;
    let cases = 0;
    for (const [incidentId, { events, inScope }] of this.cases) {
      if (!inScope || events.length === 0) continue;
      onCase?.(cases);
      const logged = countedCase(this.current.areas, events);
      if (!logged) continue;
      const current = countedCase(this.current.areas, replayCase(events, this.current.context, asOf).events);
      const proposedReplay = replayCase(events, this.proposed.context, asOf);
      const proposed = countedCase(this.proposed.areas, proposedReplay.events);
      if (!current || !proposed) continue;
      cases++;
      refusedActions += proposedReplay.refused.length;
      if (!sameSide(side(current), side(logged))) differs++;
      const month = this.dayOf(logged.reportedAt).slice(0, 7);
      for (const area of this.rowAreas(logged.gridCode)) {
        const key = `${area}|${month}`;
        let cell = cells.get(key);
        if (!cell) cells.set(key, (cell = { area, month, current: emptyCounts(), proposed: emptyCounts() }));
        addCase(cell.current, current);
        addCase(cell.proposed, proposed);
      }
      if (!sameSide(side(current), side(proposed))) {
        changedTotal++;
        if (changed.length < this.maxChanged) {
          changed.push({
            incidentId,
            gridCode: logged.gridCode,
            category: logged.category,
            reportedAt: logged.reportedAt,
            current: side(current),
            proposed: side(proposed),
          });
        }
      }
    }
    const levelOrder: AreaLevel[] = ['city', 'district', 'town', 'community'];
    const rows = [...cells.values()]
      .map((c) => {
        const a = this.current.areas.get(c.area);
        return {
          area: { code: a.code, name: a.name, level: a.level },
          month: c.month,
          current: figuresOf(c.current),
          proposed: figuresOf(c.proposed),
        };
      })
      .sort(
        (x, y) =>
          levelOrder.indexOf(x.area.level) - levelOrder.indexOf(y.area.level) ||
          x.area.code.localeCompare(y.area.code) ||
          x.month.localeCompare(y.month),
      );
    changed.sort((x, y) => x.reportedAt.localeCompare(y.reportedAt) || x.incidentId.localeCompare(y.incidentId));
    return {
      scope: this.scope,
      asOf: new Date(asOf).toISOString(),
      eventsRead: this.read,
      cases,
      rows,
      changed,
      changedTotal,
      refusedActions,
      currentDiffersFromLog: differs,
      limits: WHAT_IF_LIMITS,
    };
  }

  /** The areas a case counts in for the rows: its lineage's levels above the grid, within the scope's area. */
  private rowAreas(gridCode: string): string[] {
    const areas = this.current.areas;
    return areas
      .lineage(gridCode)
      .filter((code) => ROW_LEVELS.has(areas.get(code).level))
      .filter((code) => this.scope.area === undefined || areas.isWithin(code, this.scope.area));
  }
}

const side = (i: CountedIncident): CaseSide => ({ outcome: outcomeOf(i), escalated: i.escalated });
const sameSide = (a: CaseSide, b: CaseSide) => a.outcome === b.outcome && a.escalated === b.escalated;
