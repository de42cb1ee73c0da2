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
   * 0 unless the worker's timer lagged a command, or a case's rules changed between its report and its end (each case
   * is decided under the configuration version of its report).
   */
  readonly currentDiffersFromLog: number;
  readonly limits: string;
}

export const WHAT_IF_LIMITS =
  "People's actions (dispatch, sign-for, handling, verification, extensions, suspensions) are replayed at the times they happened: the replay changes the rules, not the people. 回放只改变规则，不改变人的行为：派遣、签收、处置、核查等按实际发生的时间重放。";

/** Row levels: every level the projection keeps figures for, but the grid (too fine to compare). */
const ROW_LEVELS: ReadonlySet<AreaLevel> = new Set(['community', 'town', 'district', 'city']);

/** A configuration and the proposal applied to it. */
export interface Rules {
  readonly current: ConfigSnapshot;
  readonly proposed: ConfigSnapshot;
}

/** A case of the scope still being read: its events so far. */
interface Reading {
  readonly kind: 'reading';
  readonly events: GridEvent[];
}

/** A case decided under both rules: what each side counts (the log's too, for the self-check). */
interface Decided {
  readonly kind: 'decided';
  readonly logged: CountedIncident;
  readonly current: CountedIncident;
  readonly proposed: CountedIncident;
  readonly refused: number;
}

/** A case outside the scope, or one the projection would not count either (a gap in its stream). */
const LEFT_OUT = { kind: 'left-out' } as const;

type CaseEntry = Reading | Decided | typeof LEFT_OUT;

/** How many cases are decided between two turns of the event loop (a run inside a service must not hold it long). */
const CASES_PER_TURN = 200;

const isOver = (i: CountedIncident) => i.closed || i.rejected;

/**
 * A what-if run: the events of grid.events go in (`add`, any order across cases, in version order within one), the
 * comparison comes out (`finish`). Each case of the scope is decided twice by the domain's decider, under the rules in
 * force (`current`) and under the proposal (`proposed`), and counted by the projection's reducer. A case is decided as
 * soon as its stream closes it (nothing after a closure changes a figure), so only open cases are held while reading;
 * the rest are decided at the end, their timers fired up to the latest event read. Pure: no I/O, no clock.
 */
export class WhatIfReplay {
  private readonly cases = new Map<string, CaseEntry>();
  private latest = 0;
  private read = 0;

  constructor(
    private readonly current: ConfigSnapshot,
    private readonly proposed: ConfigSnapshot,
    private readonly scope: WhatIfScope,
    private readonly maxChanged = 500,
    /**
     * The rules of a configuration version (ADR 0024): the version itself and the proposal applied to it. A case is
     * decided again under the version its report was decided under, as it was live; without it (or for a version not
     * known), under `current` and `proposed`.
     */
    private readonly rulesOf?: (version: number) => Rules | undefined,
  ) {}

  get eventsRead(): number {
    return this.read;
  }

  add(event: GridEvent): void {
    this.read++;
    const at = Date.parse(event.metadata.occurredAt);
    this.latest = Math.max(this.latest, at);
    const id = event.metadata.incidentId;
    let entry = this.cases.get(id);
    if (!entry) {
      if (event.type !== 'IncidentReported' && event.type !== 'IncidentImported') return;
      entry = this.inScope(event.data.gridCode, event.data.reportedAt) ? { kind: 'reading', events: [] } : LEFT_OUT;
      this.cases.set(id, entry);
    }
    if (entry.kind !== 'reading') return;
    entry.events.push(event);
    // Closed or rejected (by a person: the same action under both rules): decided now, its events let go.
    const over = event.type === 'IncidentClosed' || event.type === 'IncidentRejected' || event.type === 'IncidentImported';
    if (over) {
      const decided = this.decide(entry.events, at);
      if (!decided || (isOver(decided.current) && isOver(decided.proposed))) this.cases.set(id, decided ?? LEFT_OUT);
    }
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

  /** Cases of the scope read so far: what `finish` reports on. */
  get casesInScope(): number {
    let n = 0;
    for (const c of this.cases.values()) if (c.kind !== 'left-out') n++;
    return n;
  }

  /** The rules a case is decided again under: those of the version its first event was decided under, if known. */
  private rulesFor(events: readonly GridEvent[]): Rules {
    const version = events[0]?.metadata.configVersion;
    return (version === undefined ? undefined : this.rulesOf?.(version)) ?? { current: this.current, proposed: this.proposed };
  }

  /** One case decided under both rules, timers up to `asOf`; undefined when the projection would not count it. */
  private decide(events: readonly GridEvent[], asOf: number): Decided | undefined {
    const logged = countedCase(this.current.areas, events);
    if (!logged) return undefined;
    const rules = this.rulesFor(events);
    const current = countedCase(this.current.areas, replayCase(events, rules.current.context, asOf).events);
    const proposedReplay = replayCase(events, rules.proposed.context, asOf);
    const proposed = countedCase(this.current.areas, proposedReplay.events);
    if (!current || !proposed) return undefined;
    return { kind: 'decided', logged, current, proposed, refused: proposedReplay.refused.length };
  }

  /**
   * Decides the cases still open under both rules, timers fired up to `asOf` (default: the latest event read), and
   * compares; `onCase` is told how many are done (a progress bar). Gives the event loop a turn every few hundred cases.
   */
  async finish(asOf = this.latest, onCase?: (done: number) => void): Promise<WhatIfReport> {
    const cells = new Map<string, { area: string; month: string; current: FigureCounts; proposed: FigureCounts }>();
    const changed: ChangedCase[] = [];
    let changedTotal = 0;
    let refusedActions = 0;
    let differs = 0;
    let cases = 0;
    let done = 0;
    for (const [incidentId, entry] of this.cases) {
      if (entry.kind === 'left-out') continue;
      if (++done % CASES_PER_TURN === 0) {
        onCase?.(done);
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      const decided = entry.kind === 'decided' ? entry : this.decide(entry.events, asOf);
      if (!decided) continue;
      const { logged, current, proposed } = decided;
      cases++;
      refusedActions += decided.refused;
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
    onCase?.(done);
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
