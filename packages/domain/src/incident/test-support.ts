/**
 * Shared given / when / then support for the incident decider's tests. Imported by tests only (never by
 * index.ts): it reads the real area tree and holiday notices from the repository and asserts with vitest.
 */
import { readFileSync } from 'node:fs';
import {
  type Actor,
  type CommandEnvelope,
  type DecidedEvent,
  GridEvent,
  stampEvents,
  type GridEventType,
  type Stage,
  type Measure,
  type PhotoRef,
  type Urgency,
} from '@gridgov/contracts';
import { expect } from 'vitest';
import { type Area } from '../areas/area-tree.ts';
import { parseAreaTree } from '../areas/area-data.ts';
import { HolidayData } from '../calendar/holidays.ts';
import { WorkingCalendar } from '../calendar/working-calendar.ts';
import { Catalog, type Duration } from '../catalog/categories.ts';
import { RoutingTable } from '../catalog/routing.ts';
import { decide } from './decide.ts';
import { type Decision, type DecisionContext } from './decision.ts';
import { evolve } from './evolve.ts';
import { DEFAULT_POLICY } from './policy.ts';
import { type RejectionCode } from './rejection.ts';
import { stageTimeOf } from './stage-time.ts';
import { initialState, type IncidentState } from './state.ts';
import { nextTimerAt, tick } from './timers.ts';

// ---- the world the decider sees -------------------------------------------------------------

/** The 新会区 tree as the services load it (data/areas/xinhui.json, the default AREAS_FILE). */
export const areas = parseAreaTree(JSON.parse(readFileSync(new URL('../../../../data/areas/xinhui.json', import.meta.url), 'utf8')));
export const catalog = new Catalog();

export function named(level: Area['level'], name: string): Area {
  const found = areas.ofLevel(level).find((a) => a.name === name);
  if (!found) throw new Error(`no ${level} named ${name} in the fixture`);
  return found;
}

// ---- a case in 同德社区 (会城街道, 新会区, 江门市) ---------------------------------------------------

export const TONGDE = named('community', '同德社区');
export const HUICHENG = named('town', '会城街道');
export const XINHUI_DISTRICT = '440705';
export const JIANGMEN_CITY = '440700';
/** The first grid of 同德社区: where the cases of these tests are reported. */
export const GRID = areas.children(TONGDE.code)[0]!.code;
/** A point inside a grid's boundary (the mean of its ring's positions; the generated grids are convex). */
export function insideGrid(code: string): { lat: number; lng: number } {
  const boundary = areas.get(code).boundary;
  if (boundary?.type !== 'Polygon') throw new Error(`grid ${code} has no polygon boundary`);
  const ring = boundary.coordinates[0]!.slice(0, -1);
  const mean = (i: 0 | 1) => Math.round((ring.reduce((sum, p) => sum + p[i], 0) / ring.length) * 1e6) / 1e6;
  return { lat: mean(1), lng: mean(0) };
}
/** Where the cases of these tests are found: inside GRID. */
export const GRID_LOCATION = insideGrid(GRID);

/** The State Council's 2025 and 2026 notices, as the services load them. */
export const holidays = HolidayData.parse(
  JSON.parse(readFileSync(new URL('../../../../data/calendars/cn-public-holidays.json', import.meta.url), 'utf8')),
);
/** Default office hours: 08:30–12:00 and 14:30–17:30, so one working day is 6.5 working hours. */
export const calendar = new WorkingCalendar({ holidays });

// 沙堆镇 sends its exposed rubbish to urban management instead of the default (sanitation).
export const ctx: DecisionContext = {
  areas,
  catalog,
  routing: new RoutingTable(areas, catalog, [
    { area: named('town', '沙堆镇').code, category: 'exposed_rubbish', department: 'urban_mgmt' },
  ]),
  policy: DEFAULT_POLICY,
  time: stageTimeOf(calendar),
};

/** A routing table that routes nothing: a new report waits for a dispatcher (the catalog's defaults always route). */
class NoRoutes extends RoutingTable {
  override route(): undefined {
    return undefined;
  }
}
export const unroutedCtx: DecisionContext = { ...ctx, routing: new NoRoutes(areas, catalog) };

// ---- instants, ids and actors -------------------------------------------------------------------

/** `2026-11-24 09:00`, Shanghai local time, as the ISO instant (UTC) the events carry. */
export const iso = (local: string): string => new Date(`${local.replace(' ', 'T')}:00+08:00`).toISOString();
/** The same local time as a Date, for the worker's clock. */
export const instant = (local: string): Date => new Date(iso(local));
/** The same local time in epoch ms, as state and timers hold it. */
export const epoch = (local: string): number => Date.parse(iso(local));

export const HOUR_MS = 3_600_000;

export const INCIDENT = '7d3f2a10-5b6c-4d8e-9f01-23456789abcd';
export const COMMAND = '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f';

/** Grid staff of the case's grid, a dispatcher of 新会区, and handlers of its departments: each within jurisdiction. */
export const STAFF: Actor = { id: 'staff-0042', role: 'grid_staff', areas: [GRID] };
export const DISPATCHER: Actor = { id: 'dispatcher-07', role: 'dispatcher', areas: [XINHUI_DISTRICT] };
export const handler = (department: string): Actor => ({
  id: `handler-${department}`,
  role: 'handler',
  department,
  areas: [XINHUI_DISTRICT],
});
export const ROUTING: Actor = { id: 'routing', role: 'system' };
export const SYSTEM: Actor = { id: 'system', role: 'system' };
/** The department the case of these tests is routed to. */
export const SANITATION = handler('sanitation');

/** A command as the intake API puts it on grid.commands, issued at a local time. */
export function envelope(command: CommandEnvelope['command'], actor: Actor, at: string, commandId = COMMAND): CommandEnvelope {
  return { commandId, incidentId: INCIDENT, issuedAt: iso(at), actor, command };
}

// ---- events -----------------------------------------------------------------------------------

export type EventOf<T extends GridEventType> = Extract<GridEvent, { type: T }>;

/**
 * One event of INCIDENT at a local time. Its version is left at 0: `history` and `continuing` number
 * events, so that a test states the order and the helpers the version arithmetic.
 */
export function event<T extends GridEventType>(type: T, data: EventOf<T>['data'], at: string, actor: Actor, commandId?: string): GridEvent {
  return {
    type,
    data,
    metadata: { eventId: '', incidentId: INCIDENT, version: 0, occurredAt: iso(at), ...(commandId ? { commandId } : {}), actor },
  } as GridEvent;
}

/** Events numbered from version `from`, each with the event id `<incidentId>:<version>`. */
export function numbered(events: readonly GridEvent[], from = 1): GridEvent[] {
  return events.map((e, i) => ({ ...e, metadata: { ...e.metadata, version: from + i, eventId: `${e.metadata.incidentId}:${from + i}` } }));
}

/** A past: the events numbered 1, 2, 3, ... */
export const history = (...events: readonly GridEvent[]): GridEvent[] => numbered(events);

/** What a decision on top of `past` should produce: the events numbered on from the last version. */
export const continuing = (past: readonly GridEvent[], ...events: readonly GridEvent[]): GridEvent[] =>
  numbered(events, (past[past.length - 1]?.metadata.version ?? 0) + 1);

/** What sets a case's handling time: its category and urgency (by default those of `reported`: exposed rubbish, normal). */
export interface CaseKind {
  readonly category?: string;
  readonly urgency?: Urgency;
}

/**
 * In which time the clocks of `stages` run, as the event that starts them must record it: working time for a
 * duration in working hours or days, natural time otherwise. The handling time is the category's catalog entry per
 * urgency (exposed rubbish, normal: 1 working day; manhole cover: natural hours); dispatch, sign-for and
 * verification are the default policy's (2 working hours, 2 working hours, 1 working day: all working time).
 */
export function measures<S extends Stage>(stages: readonly S[], kind: CaseKind = {}): Record<S, Measure> {
  const category = kind.category ?? 'exposed_rubbish';
  const durationOf = (stage: Stage): Duration => {
    if (stage === 'dispatch') return DEFAULT_POLICY.dispatch;
    if (stage === 'sign_for') return DEFAULT_POLICY.signFor;
    if (stage === 'verification') return DEFAULT_POLICY.verification;
    const handling = catalog.category(category)?.handling[kind.urgency ?? 'normal'];
    if (!handling) throw new Error(`test-support: no category ${category} in the catalog`);
    return handling;
  };
  const working = (d: Duration) => d.unit === 'working_hours' || d.unit === 'working_days';
  return Object.fromEntries(stages.map((stage) => [stage, working(durationOf(stage)) ? 'working' : 'natural'])) as Record<S, Measure>;
}

/** The measures a dispatch or reassignment records: of the sign-for and handling clocks it starts. */
export const dispatchMeasures = (kind: CaseKind = {}) => measures(['sign_for', 'handling'], kind);

interface ReportedOptions extends CaseKind {
  /** Set when no route dispatched the case: it waits for a dispatcher until then (local time). */
  readonly dispatchDue?: string;
}

/** Grid staff reported the case at a local time (made and received then). */
export function reported(at: string, options: ReportedOptions = {}): GridEvent {
  return event(
    'IncidentReported',
    {
      reportId: 'rpt-20261124-0001',
      reporterId: STAFF.id,
      gridCode: GRID,
      category: options.category ?? 'exposed_rubbish',
      urgency: options.urgency ?? 'normal',
      description: '路边垃圾堆放未清运',
      location: GRID_LOCATION,
      occurredAt: iso(at),
      reportedAt: iso(at),
      receivedAt: iso(at),
      ...(options.dispatchDue ? { dispatchDue: iso(options.dispatchDue), measures: measures(['dispatch'], options) } : {}),
    },
    at,
    STAFF,
    COMMAND,
  );
}

/**
 * The case went to a department at a local time, with its sign-for and handling deadlines (local times) and their
 * measures, those of the case's kind (by default that of `reported`).
 */
export function dispatched(
  at: string,
  department: string,
  due: { signFor: string; handling: string },
  by: 'routing' | 'dispatcher' = 'routing',
  kind: CaseKind = {},
) {
  return event(
    'IncidentDispatched',
    { department, by, signForDue: iso(due.signFor), handlingDue: iso(due.handling), measures: dispatchMeasures(kind) },
    at,
    by === 'routing' ? ROUTING : DISPATCHER,
    COMMAND,
  );
}

/** The department signed for the case at a local time (by default sanitation, the routed case's, by its handler). */
export const accepted = (at: string, department = 'sanitation', actor: Actor = handler(department), commandId?: string): GridEvent =>
  event('IncidentAccepted', { department }, at, actor, commandId);

interface Resolution {
  readonly handlingMs: number;
  /** Local time. */
  readonly verificationDue: string;
  readonly notes?: string;
  readonly photos?: PhotoRef[];
}

/** The department reported the case handled at a local time: the handling time, and the verification deadline it starts. */
export function resolved(at: string, r: Resolution, actor: Actor = SANITATION, commandId?: string): GridEvent {
  const data = {
    notes: r.notes ?? '已清运',
    ...(r.photos ? { photos: r.photos } : {}),
    handlingMs: r.handlingMs,
    verificationDue: iso(r.verificationDue),
    measures: measures(['verification']),
  };
  return event('IncidentResolved', data, at, actor, commandId);
}

/**
 * The usual case: exposed rubbish reported in GRID and routed to sanitation on Tuesday 24 November 2026 at 09:00;
 * sign for by 11:00, handle within one working day, by Wednesday 09:00 (3 + 3 + 0.5 working hours).
 */
export const DISPATCHED: readonly GridEvent[] = history(
  reported('2026-11-24 09:00'),
  dispatched('2026-11-24 09:00', 'sanitation', { signFor: '2026-11-24 11:00', handling: '2026-11-25 09:00' }),
);
/** DISPATCHED, signed for at 09:30. */
export const ACCEPTED: readonly GridEvent[] = history(...DISPATCHED, accepted('2026-11-24 09:30'));

// ---- given / when / then ----------------------------------------------------------------------

export type Expected = readonly GridEvent[] | { readonly rejected: RejectionCode };

/** The state of a history: a fold of its events alone (evolve needs no context). */
export const fold = (events: readonly DecidedEvent[]): IncidentState => events.reduce<IncidentState>((s, e) => evolve(s, e), initialState);

/** A decision whose accepted events are stamped as the worker stores them. */
export type LoggedDecision = Extract<Decision, { kind: 'rejected' }> | { readonly kind: 'accepted'; readonly events: readonly GridEvent[] };

export function acceptedEvents(decision: LoggedDecision): readonly GridEvent[];
export function acceptedEvents(decision: Decision): readonly DecidedEvent[];
export function acceptedEvents(decision: Decision | LoggedDecision): readonly DecidedEvent[] {
  if (decision.kind !== 'accepted') throw new Error(`expected acceptance, got ${decision.rejection.code}: ${decision.rejection.message}`);
  return decision.events;
}

/** A command's accepted events as the worker stores them (`stampEvents`): numbered on from `state`, with its id. */
export const logged = (decision: Decision, command: CommandEnvelope, state: IncidentState = initialState): GridEvent[] =>
  stampEvents(acceptedEvents(decision), { incidentId: command.incidentId, version: state?.version ?? 0, commandId: command.commandId });

/** A tick's events as the worker stores them: numbered on from `state`, with no command. */
export const loggedTick = (events: readonly DecidedEvent[], state: IncidentState, incidentId = INCIDENT): GridEvent[] =>
  stampEvents(events, { incidentId, version: state?.version ?? 0 });

/**
 * given(past events).when(command).then(new events | rejection), in the style of Emmett's decider specs; and
 * given(past events).tickAt(instant).then(new events) for the deadline timer. `when` decides at `now`, else at
 * the spec's clock, else at the command's issuedAt. The new events are compared as the worker stores them (stamped
 * after the past's last version, with the command's id); they must satisfy the published contract and evolve.
 */
export function givenIn(context: DecisionContext = ctx, clock?: Date) {
  return function given(past: readonly GridEvent[]) {
    const state = fold(past);
    const checked = (events: readonly GridEvent[]) => {
      for (const e of events) expect(() => GridEvent.parse(e)).not.toThrow();
      expect(() => fold([...past, ...events])).not.toThrow();
    };
    return {
      state,
      when(command: CommandEnvelope, now: Date = clock ?? new Date(command.issuedAt)) {
        const decision = decide(command, state, context, now);
        return {
          then(expected: Expected): LoggedDecision {
            if ('rejected' in expected) {
              expect(decision.kind).toBe('rejected');
              if (decision.kind !== 'rejected') throw new Error('unreachable: the expectation above failed');
              expect(decision.rejection.code).toBe(expected.rejected);
              expect(decision.rejection.message).not.toBe('');
              return decision;
            }
            expect(decision.kind).toBe('accepted');
            const events = logged(decision, command, state);
            expect(events).toEqual(expected);
            checked(events);
            return { kind: 'accepted', events };
          },
        };
      },
      tickAt(now: Date) {
        const events = loggedTick(tick(state, context, now), state, past[0]?.metadata.incidentId);
        return {
          then(expected: readonly GridEvent[]): readonly GridEvent[] {
            expect(withoutUnstatedRemaining(events, expected)).toEqual(expected);
            checked(events);
            return events;
          },
        };
      },
      /** When the worker should tick this case next: an ISO instant, or null for no timer. */
      nextTimer(): string | null {
        const next = nextTimerAt(state, context);
        return next === null ? null : new Date(next).toISOString();
      },
    };
  };
}

export const given = givenIn();

/**
 * Warnings carry the time left (tested on its own); a spec that does not state it is not about it,
 * so it is left out of the comparison there.
 */
function withoutUnstatedRemaining(events: readonly GridEvent[], expected: readonly GridEvent[]): GridEvent[] {
  return events.map((e, i) => {
    const wanted = expected[i];
    if (e.type !== 'DeadlineWarned' || (wanted?.type === 'DeadlineWarned' && wanted.data.remaining)) return e;
    const { remaining: _remaining, ...data } = e.data;
    return { ...e, data };
  });
}
