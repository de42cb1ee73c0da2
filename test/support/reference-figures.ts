import type { GridEvent } from '@gridgov/contracts';

/**
 * The oracle of the projection: the figures leaders ask for (docs/domain.md, 考核), recounted the slow and
 * obvious way from the raw event list. It shares no code with the projection: it keeps no running
 * state, reads each incident's whole story at once, and does its own calendar arithmetic.
 */

export const COUNTED = [
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
export type Counts = Record<(typeof COUNTED)[number], number>;

export const zeroCounts = (): Counts => Object.fromEntries(COUNTED.map((c) => [c, 0])) as Counts;

/** What one incident's whole story says about it now. */
export interface Facts {
  readonly gridCode: string;
  readonly category: string;
  readonly reportedAt: string;
  readonly rejected: boolean;
  readonly dispatched: boolean;
  /** The department the case is with now: the last one it was sent to, unless it was returned since. */
  readonly department: string | null;
  readonly closed: boolean;
  readonly closedOnTime: boolean;
  readonly handlingMs: number;
  readonly reworked: boolean;
  readonly extended: boolean;
  readonly escalated: boolean;
  /** A handling deadline was missed and nothing since has resolved, moved, handed back or closed the case. */
  readonly overdue: boolean;
  /** Merged into another case as a duplicate, and not undone since (合并, ADR 0032): it counts for nothing. */
  readonly merged: boolean;
}

/** An incident's story from its events: any order, duplicates allowed (one per version is kept). */
export function factsOf(events: readonly GridEvent[]): Facts {
  const byVersion = new Map(events.map((e) => [e.metadata.version, e]));
  const story = [...byVersion.values()].sort((a, b) => a.metadata.version - b.metadata.version);
  const report = story[0];
  if (report?.type !== 'IncidentReported') throw new Error('an incident story starts with its report');
  if (story.some((e, i) => e.metadata.version !== i + 1)) throw new Error(`a gap in the story of ${report.metadata.incidentId}`);

  const lastIndex = (p: (e: GridEvent) => boolean) => story.findLastIndex(p);
  const sentTo = lastIndex((e) => e.type === 'IncidentDispatched' || e.type === 'IncidentReassigned');
  // An undone merge leaves the case awaiting dispatch, with no department, as a return does.
  const returned = lastIndex((e) => e.type === 'IncidentReturned' || e.type === 'IncidentUnmerged');
  const sent = story[sentTo];
  const closedEvent = story.find((e) => e.type === 'IncidentClosed');
  const missed = lastIndex((e) => e.type === 'DeadlineMissed' && e.data.stage === 'handling');
  const clearsOverdue = new Set<GridEvent['type']>([
    'IncidentResolved',
    'IncidentReturned',
    'IncidentReassigned',
    'IncidentDispatched',
    'ExtensionApproved',
    'IncidentClosed',
    'IncidentUnmerged',
  ]);
  return {
    gridCode: report.data.gridCode,
    category: report.data.category,
    reportedAt: report.data.reportedAt,
    rejected: story.some((e) => e.type === 'IncidentRejected'),
    dispatched: sentTo >= 0,
    department:
      sent && (sent.type === 'IncidentDispatched' || sent.type === 'IncidentReassigned') && returned < sentTo ? sent.data.department : null,
    closed: closedEvent !== undefined,
    closedOnTime: closedEvent?.type === 'IncidentClosed' && closedEvent.data.onTime,
    handlingMs: closedEvent?.type === 'IncidentClosed' ? closedEvent.data.handlingMs : 0,
    reworked: story.some((e) => e.type === 'IncidentReworkRequested'),
    extended: story.some((e) => e.type === 'ExtensionApproved'),
    escalated: story.some((e) => e.type === 'IncidentEscalated'),
    overdue: missed >= 0 && !story.slice(missed + 1).some((e) => clearsOverdue.has(e.type)),
    merged: lastIndex((e) => e.type === 'IncidentMerged') > lastIndex((e) => e.type === 'IncidentUnmerged'),
  };
}

// ---- calendar windows of report time in Asia/Shanghai (UTC+8, no daylight saving) ----

export type WindowKind = 'day' | 'week' | 'month' | 'quarter' | 'year' | 'all';
export interface ReportWindow {
  readonly kind: WindowKind;
  /** As the API names it: d2026-01-05, w2026-W02, m2026-01, q2026-Q1, y2026, all. */
  readonly id: string;
  /** A local date inside it, YYYY-MM-DD (the API's `at`). */
  readonly at: string;
}

const DAY_MS = 86_400_000;
const two = (n: number) => (n < 10 ? `0${n}` : `${n}`);

/** The six windows holding a local date `YYYY-MM-DD`. */
export function windowsOfDate(at: string): ReportWindow[] {
  const [year, month, day] = at.split('-').map(Number) as [number, number, number];
  // ISO week: weeks run Monday to Sunday and belong to the year of their Thursday; week 1 holds 4 January.
  const dayNumber = Date.UTC(year, month - 1, day) / DAY_MS; // days since 1970-01-01, a Thursday
  const mondayFirst = (((dayNumber + 3) % 7) + 7) % 7; // 0 = Monday ... 6 = Sunday
  const thursday = new Date((dayNumber - mondayFirst + 3) * DAY_MS);
  const weekYear = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(weekYear, 0, 1)) / (7 * DAY_MS)) + 1;
  return [
    { kind: 'day', id: `d${at}`, at },
    { kind: 'week', id: `w${weekYear}-W${two(week)}`, at },
    { kind: 'month', id: `m${year}-${two(month)}`, at },
    { kind: 'quarter', id: `q${year}-Q${Math.floor((month - 1) / 3) + 1}`, at },
    { kind: 'year', id: `y${year}`, at },
    { kind: 'all', id: 'all', at },
  ];
}

/** The local date (Asia/Shanghai) of an instant: the UTC date eight hours later. */
export const shanghaiDay = (instant: string): string => new Date(Date.parse(instant) + 8 * 3_600_000).toISOString().slice(0, 10);

// ---- the recount ----

/** `''` for the whole area, `c:<category>`, `d:<department>`, or `p:<category>|<department>` for both together. */
export type ScopeKey = '' | `c:${string}` | `d:${string}` | `p:${string}|${string}`;
export const refKey = (area: string, windowId: string, scope: ScopeKey) => `${area}|${windowId}|${scope}`;

export interface Reference {
  /** `${area}|${windowId}|${scope}` → counts; absent means all zero. */
  readonly counts: ReadonlyMap<string, Counts>;
  /** Per area, every window (of every kind) that holds at least one report there. */
  readonly windowsWithReports: ReadonlyMap<string, ReadonlyMap<string, ReportWindow>>;
  readonly incidents: number;
}

/**
 * Recounts every figure from a raw event list (duplicates and any order allowed). `parentOf` gives an
 * area's parent code (null for the root): each case counts in its grid and every area above it.
 */
export function recount(events: readonly GridEvent[], parentOf: (code: string) => string | null): Reference {
  const stories = new Map<string, GridEvent[]>();
  for (const e of events) {
    const story = stories.get(e.metadata.incidentId) ?? [];
    story.push(e);
    stories.set(e.metadata.incidentId, story);
  }
  const counts = new Map<string, Counts>();
  const windowsWithReports = new Map<string, Map<string, ReportWindow>>();
  for (const story of stories.values()) {
    const f = factsOf(story);
    // A merged duplicate adds nothing: the case it was merged into counts the problem once.
    const adds: Counts = f.merged
      ? zeroCounts()
      : {
          reported: 1,
          rejected: f.rejected ? 1 : 0,
          dispatched: f.dispatched ? 1 : 0,
          closed: f.closed ? 1 : 0,
          closedOnTime: f.closedOnTime ? 1 : 0,
          overdue: f.overdue ? 1 : 0,
          reworked: f.reworked ? 1 : 0,
          extended: f.extended ? 1 : 0,
          escalated: f.escalated ? 1 : 0,
          handlingMsClosed: f.closed ? f.handlingMs : 0,
        };
    const scopes: ScopeKey[] = [
      '',
      `c:${f.category}`,
      ...(f.department ? [`d:${f.department}` as const, `p:${f.category}|${f.department}` as const] : []),
    ];
    const windows = windowsOfDate(shanghaiDay(f.reportedAt));
    for (let area: string | null = f.gridCode; area !== null; area = parentOf(area)) {
      const seen = windowsWithReports.get(area) ?? new Map<string, ReportWindow>();
      windowsWithReports.set(area, seen);
      for (const w of windows) {
        if (!seen.has(w.id)) seen.set(w.id, w);
        for (const scope of scopes) {
          const key = refKey(area, w.id, scope);
          const c = counts.get(key) ?? zeroCounts();
          for (const figure of COUNTED) c[figure] += adds[figure];
          counts.set(key, c);
        }
      }
    }
  }
  return { counts, windowsWithReports, incidents: stories.size };
}

/** Every local date from `from` to `to` (YYYY-MM-DD), both included, one UTC day at a time. */
export function datesFrom(from: string, to: string): string[] {
  const dates: string[] = [];
  for (let ms = Date.parse(`${from}T00:00:00Z`); ms <= Date.parse(`${to}T00:00:00Z`); ms += DAY_MS) {
    dates.push(new Date(ms).toISOString().slice(0, 10));
  }
  return dates;
}

/** The counts of a range of local dates: the sum of its days' counts, day by day (no month is taken whole). */
export function rangeCounts(reference: Reference, area: string, scope: ScopeKey, from: string, to: string): Counts {
  const sum = zeroCounts();
  for (const date of datesFrom(from, to)) {
    const c = reference.counts.get(refKey(area, `d${date}`, scope));
    if (c) for (const figure of COUNTED) sum[figure] += c[figure];
  }
  return sum;
}

/** The figures the API derives from counts (docs/domain.md's formulas); rates are null while nothing is registered. */
export function expectedFigures(c: Counts) {
  const registered = c.reported - c.rejected;
  const rate = (n: number) => (registered > 0 ? n / registered : null);
  return {
    reported: c.reported,
    dispatched: c.dispatched,
    registered,
    closed: c.closed,
    closureRate: rate(c.closed),
    closedOnTime: c.closedOnTime,
    onTimeClosureRate: rate(c.closedOnTime),
    overdue: c.overdue,
    reworkRate: rate(c.reworked),
    extensionRate: rate(c.extended),
    escalated: c.escalated,
    meanHandlingHours: c.closed > 0 ? c.handlingMsClosed / c.closed / 3_600_000 : null,
  };
}
export type ExpectedFigures = ReturnType<typeof expectedFigures>;
