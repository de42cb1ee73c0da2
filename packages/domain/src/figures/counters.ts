import type { GridEvent } from '@gridgov/contracts';
import type { AreaTree } from '../areas/area-tree.ts';
import { storedWindowsOf } from '../time/windows.ts';

/**
 * The counted figures (docs/domain.md, 考核). Each is kept for the whole scope, per category, per handling
 * department and per (category, department) pair; rates and means are computed from them at query time.
 */
export const CountedFigures = [
  'reported',
  'rejected',
  'dispatched',
  'closed',
  'closedOnTime',
  'overdue',
  'reworked',
  'extended',
  'escalated',
  'handlingMsClosed',
] as const;
export type CountedFigure = (typeof CountedFigures)[number];

/**
 * Each figure's one-letter code in a counter field (ADR 0047). Letters, not names: a counter hash holds a field per
 * figure and scope, and the names were most of a field's bytes.
 */
export const FIGURE_CODES: Readonly<Record<CountedFigure, string>> = {
  reported: 'r',
  rejected: 'j',
  dispatched: 'p',
  closed: 'c',
  closedOnTime: 't',
  overdue: 'o',
  reworked: 'w',
  extended: 'x',
  escalated: 'e',
  handlingMsClosed: 'h',
};

const FIGURE_OF_CODE: ReadonlyMap<string, CountedFigure> = new Map(CountedFigures.map((f) => [FIGURE_CODES[f], f]));

/**
 * Field of a counter hash (ADR 0047): the figure's code, then its scope: `r` (reported, whole scope), `r|dispute` (a
 * category), `p||justice` (a department), `c|exposed_rubbish|sanitation` (a category with a department). Catalog ids
 * hold no `|` and are never empty.
 */
export function counterField(figure: CountedFigure, scope?: { category?: string | undefined; department?: string | undefined }): string {
  const code = FIGURE_CODES[figure];
  if (scope?.category && scope.department) return `${code}|${scope.category}|${scope.department}`;
  if (scope?.category) return `${code}|${scope.category}`;
  if (scope?.department) return `${code}||${scope.department}`;
  return code;
}

/**
 * The same field as a generation folded before ADR 0047 names it, with the figure spelled out and the scope marked:
 * `reported`, `reported|c|dispute`, `dispatched|d|justice`, `closed|cd|exposed_rubbish|sanitation`. A field not in
 * counterField's form is answered as it is.
 */
export function spelledCounterField(field: string): string {
  const bar = field.indexOf('|');
  const figure = FIGURE_OF_CODE.get(bar === -1 ? field : field.slice(0, bar));
  if (!figure) return field;
  if (bar === -1) return figure;
  const rest = field.slice(bar + 1);
  const second = rest.indexOf('|');
  if (second === -1) return `${figure}|c|${rest}`;
  if (second === 0) return `${figure}|d|${rest.slice(1)}`;
  return `${figure}|cd|${rest}`;
}

/** What the projection remembers of one incident: enough to know what it counts for. */
export interface CountedIncident {
  readonly version: number;
  readonly gridCode: string;
  readonly category: string;
  readonly reportedAt: string;
  /** The department the case is with now; null before dispatch and while returned to dispatch. */
  readonly department: string | null;
  /** Dispatched at least once (派遣数). */
  readonly dispatched: boolean;
  readonly rejected: boolean;
  readonly closed: boolean;
  readonly closedOnTime: boolean;
  /** The handling deadline has passed and the handling stage is still open. */
  readonly overdue: boolean;
  readonly reworked: boolean;
  readonly extended: boolean;
  readonly escalated: boolean;
  readonly handlingMs: number;
  /** Merged into another case as a duplicate (合并): it counts for nothing, the survivor counts the problem once. */
  readonly merged?: boolean;
}

/** One counter change: hash (area × window) and field, by how much. */
export interface CounterDelta {
  readonly area: string;
  readonly window: string;
  readonly field: string;
  readonly by: number;
}

/**
 * An applied event's counter changes, kept as the product they are: every field change of `fields`/`by` in every area
 * of `areas` and every window of `windows`. `deltas` spells them out one object each; the projection's fold reads the
 * product itself (a replay folds millions of events, each 15 hashes × up to 40 fields).
 */
export class CounterChanges {
  constructor(
    readonly areas: readonly string[],
    readonly windows: readonly string[],
    readonly fields: readonly string[],
    readonly by: readonly number[],
  ) {}

  /** How many (hash, field) writes the changes make. */
  get size(): number {
    return this.areas.length * this.windows.length * this.fields.length;
  }

  get deltas(): CounterDelta[] {
    const out: CounterDelta[] = [];
    for (const area of this.areas) {
      for (const window of this.windows) for (const [k, field] of this.fields.entries()) out.push({ area, window, field, by: this.by[k]! });
    }
    return out;
  }
}

export type ApplyResult =
  | {
      readonly kind: 'applied';
      readonly incident: CountedIncident;
      readonly changes: CounterChanges;
      readonly deltas: readonly CounterDelta[];
    }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'gap'; readonly expected: number };

/**
 * What one incident adds to each figure, given what is known of it. Counters are the sum of this
 * over all incidents; an event's deltas are the change it makes here.
 */
export function contributions(i: CountedIncident): Record<CountedFigure, number> {
  if (i.merged) return Object.fromEntries(CountedFigures.map((f) => [f, 0])) as Record<CountedFigure, number>;
  return {
    reported: 1,
    rejected: i.rejected ? 1 : 0,
    dispatched: i.dispatched ? 1 : 0,
    closed: i.closed ? 1 : 0,
    closedOnTime: i.closedOnTime ? 1 : 0,
    overdue: i.overdue ? 1 : 0,
    reworked: i.reworked ? 1 : 0,
    extended: i.extended ? 1 : 0,
    escalated: i.escalated ? 1 : 0,
    handlingMsClosed: i.closed ? i.handlingMs : 0,
  };
}

/** Folds an event into what is known of its incident. */
export function countedAfter(i: CountedIncident | undefined, event: GridEvent): CountedIncident | undefined {
  const version = event.metadata.version;
  if (event.type === 'IncidentReported') {
    return {
      version,
      gridCode: event.data.gridCode,
      category: event.data.category,
      reportedAt: event.data.reportedAt,
      department: null,
      dispatched: false,
      rejected: false,
      closed: false,
      closedOnTime: false,
      overdue: false,
      reworked: false,
      extended: false,
      escalated: false,
      handlingMs: 0,
    };
  }
  if (event.type === 'IncidentImported') return importedCase(event, version);
  if (!i) return undefined;
  const next = { ...i, version };
  switch (event.type) {
    case 'IncidentRejected':
      return { ...next, rejected: true };
    case 'IncidentDispatched':
    case 'IncidentReassigned':
      return { ...next, department: event.data.department, dispatched: true, overdue: false };
    case 'IncidentReturned':
      return { ...next, department: null, overdue: false };
    case 'IncidentResolved':
      return { ...next, overdue: false, handlingMs: event.data.handlingMs };
    case 'IncidentClosed':
      return { ...next, closed: true, closedOnTime: event.data.onTime, overdue: false, handlingMs: event.data.handlingMs };
    case 'IncidentReworkRequested':
      return { ...next, reworked: true };
    case 'ExtensionApproved':
      return { ...next, extended: true, overdue: false };
    case 'DeadlineMissed':
      return event.data.stage === 'handling' ? { ...next, overdue: true } : next;
    case 'IncidentEscalated':
      return { ...next, escalated: true };
    case 'IncidentMerged':
      return { ...next, merged: true };
    case 'IncidentUnmerged': {
      // Back awaiting dispatch, as a return leaves a case: with no department, no handling stage open.
      const { merged: _merged, ...open } = next;
      return { ...open, department: null, overdue: false };
    }
    case 'DuplicateAttached':
    case 'DuplicateDetached':
    case 'IncidentAccepted':
    case 'ExtensionRequested':
    case 'ExtensionDenied':
    case 'IncidentSuspended':
    case 'IncidentResumed':
    case 'DeadlineWarned':
    // Erasure shreds the reporter's data, never a figure: the case counts as it did (ADR 0016).
    case 'IncidentErased':
      return next;
    default: {
      const unknown: never = event;
      throw new Error(`countedAfter: unhandled event ${(unknown as GridEvent).type}`);
    }
  }
}

/**
 * A legacy case as it stood when imported (ADR 0030): dispatched if it has a dispatch time, closed if a closure time,
 * on time as the legacy system said; overdue (超期) when it is still in handling there (dispatched, neither resolved
 * nor closed) and the legacy system says it is not on time, as a live case is overdue while its handling stage is open.
 */
function importedCase(event: Extract<GridEvent, { type: 'IncidentImported' }>, version: number): CountedIncident {
  const d = event.data;
  const dispatched = d.dispatchedAt !== undefined;
  const closed = d.closedAt !== undefined;
  return {
    version,
    gridCode: d.gridCode,
    category: d.category,
    reportedAt: d.reportedAt,
    department: dispatched ? (d.department ?? null) : null,
    dispatched,
    rejected: false,
    closed,
    closedOnTime: closed && d.onTime === true,
    overdue: dispatched && !closed && d.resolvedAt === undefined && d.onTime === false,
    reworked: d.reworkCount > 0,
    extended: false,
    escalated: false,
    handlingMs: d.handlingMs,
  };
}

/**
 * The field names of each scope (whole, a category, a department, a pair), one per figure in CountedFigures' order:
 * made once and reused, not spelled out again for every event. Bounded: the catalog's categories and departments.
 */
const WHOLE_FIELDS: readonly string[] = CountedFigures.map((figure) => counterField(figure));
const categoryFields = new Map<string, readonly string[]>();
const departmentFields = new Map<string, readonly string[]>();
const pairFields = new Map<string, Map<string, readonly string[]>>();
const SCOPES_KEPT = 10_000;

function remembered<K>(cache: Map<K, readonly string[]>, key: K, make: () => readonly string[]): readonly string[] {
  let fields = cache.get(key);
  if (!fields) {
    if (cache.size >= SCOPES_KEPT) cache.clear();
    fields = make();
    cache.set(key, fields);
  }
  return fields;
}

const fieldsOfCategory = (category: string) =>
  remembered(categoryFields, category, () => CountedFigures.map((figure) => counterField(figure, { category })));
const fieldsOfDepartment = (department: string) =>
  remembered(departmentFields, department, () => CountedFigures.map((figure) => counterField(figure, { department })));
function fieldsOfPair(category: string, department: string): readonly string[] {
  let byDepartment = pairFields.get(category);
  if (!byDepartment) {
    if (pairFields.size >= SCOPES_KEPT) pairFields.clear();
    byDepartment = new Map();
    pairFields.set(category, byDepartment);
  }
  return remembered(byDepartment, department, () => CountedFigures.map((figure) => counterField(figure, { category, department })));
}

/** The scopes an incident counts in (its fields per figure): whole, category, and with a department its own and the pair's. */
function scopesOf(i: CountedIncident | undefined): readonly (readonly string[])[] {
  if (!i) return [];
  const category = fieldsOfCategory(i.category);
  // A department's scope holds the cases now with it: a reassignment moves them (and its pair with the category).
  return i.department
    ? [WHOLE_FIELDS, category, fieldsOfDepartment(i.department), fieldsOfPair(i.category, i.department)]
    : [WHOLE_FIELDS, category];
}

/** The stored windows of a report time, the last few remembered: an incident's events share its report time. */
const windowsOfReport = new Map<string, readonly string[]>();
const WINDOWS_KEPT = 4_096;

function windowsOf(reportedAt: string): readonly string[] {
  let windows = windowsOfReport.get(reportedAt);
  if (!windows) {
    if (windowsOfReport.size >= WINDOWS_KEPT) windowsOfReport.clear();
    windows = storedWindowsOf(reportedAt);
    windowsOfReport.set(reportedAt, windows);
  }
  return windows;
}

/**
 * The projection's reducer: an event and what is known of its incident → counter changes (after − before, field by
 * field, in every scope either belongs to). Versions make it idempotent: an event is applied only if it is the next
 * version of its incident.
 */
export function applyEvent(areas: AreaTree, incident: CountedIncident | undefined, event: GridEvent): ApplyResult {
  const known = incident?.version ?? 0;
  const { version } = event.metadata;
  if (version <= known) return { kind: 'duplicate' };
  if (version !== known + 1) return { kind: 'gap', expected: known + 1 };
  const next = countedAfter(incident, event);
  if (!next) return { kind: 'gap', expected: 1 };

  const was = incident ? contributions(incident) : undefined;
  const now = contributions(next);
  const scopesBefore = scopesOf(incident);
  const scopesAfter = scopesOf(next);
  const fields: string[] = [];
  const by: number[] = [];
  for (const [f, figure] of CountedFigures.entries()) {
    const b = was?.[figure] ?? 0;
    const a = now[figure];
    if (a === 0 && b === 0) continue;
    for (let s = 0; s < Math.max(scopesBefore.length, scopesAfter.length); s++) {
      const before = b === 0 ? undefined : scopesBefore[s]?.[f];
      const after = a === 0 ? undefined : scopesAfter[s]?.[f];
      if (before !== undefined && before === after) {
        if (a !== b) {
          fields.push(after);
          by.push(a - b);
        }
        continue;
      }
      if (before !== undefined) {
        fields.push(before);
        by.push(-b);
      }
      if (after !== undefined) {
        fields.push(after);
        by.push(a);
      }
    }
  }
  const changes = fields.length > 0 ? new CounterChanges(areas.lineage(next.gridCode), windowsOf(next.reportedAt), fields, by) : NO_CHANGES;
  return new Applied(next, changes);
}

/** An applied event's result: its `deltas` are spelled out only when asked for (the projection reads `changes`). */
class Applied {
  readonly kind = 'applied';
  constructor(
    readonly incident: CountedIncident,
    readonly changes: CounterChanges,
  ) {}

  get deltas(): CounterDelta[] {
    return this.changes.deltas;
  }
}

const NO_CHANGES = new CounterChanges([], [], [], []);
