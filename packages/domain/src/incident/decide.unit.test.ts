import { type CommandEnvelope, GridEvent, type ReportIncident, type Role } from '@gridgov/contracts';
import { describe, expect, it } from 'vitest';
import { decide } from './decide.ts';
import { evolve } from './evolve.ts';
import { initialState } from './state.ts';
import {
  acceptedEvents,
  areas,
  COMMAND,
  ctx,
  dispatchMeasures,
  fold,
  givenIn,
  GRID_LOCATION,
  INCIDENT,
  insideGrid,
  logged,
  named,
  STAFF,
} from './test-support.ts';

// ---- the world the decider sees (test-support.ts: the 新会区 fixture, the 2026 holidays, 沙堆镇 routing) ----

const shadui = named('town', '沙堆镇');
const tongde = named('community', '同德社区');
const meige = named('community', '梅阁村');
const TONGDE_GRID = areas.children(tongde.code)[0]!.code;
const MEIGE_GRID = areas.children(meige.code)[0]!.code;

/** The worker's clock: Tuesday 24 November 2026, 09:00 in Shanghai, an ordinary working day. */
const NOW = new Date('2026-11-24T01:00:00.000Z');
const ISSUED_AT = '2026-11-24T00:59:58.000Z';
/**
 * The deadlines of a case dispatched at NOW (default office hours 08:30–12:00 and 14:30–17:30, so a working day is 6.5 h):
 * sign for within 2 working hours → Tuesday 11:00; exposed rubbish, normal urgency, is 1 working day → 3 h to noon,
 * 3 h in the afternoon and the last half hour on Wednesday from 08:30 → Wednesday 09:00.
 */
const SIGN_FOR_DUE = '2026-11-24T03:00:00.000Z';
const HANDLING_DUE = '2026-11-25T01:00:00.000Z';

const OTHER_INCIDENT = '0b9f1c9e-6f0e-4d6a-9a51-3c1f2b7a8e01';
const RETRY_COMMAND = '2e3f4a5b-6c7d-4e8f-a091-b2c3d4e5f607';
const LOCATION = { ...GRID_LOCATION, address: '会城同德路 1 号' };
/** Grid staff who hold a grid of 同德社区 and one of 梅阁村 (沙堆镇). */
const REPORTER = { ...STAFF, areas: [TONGDE_GRID, MEIGE_GRID] };

interface ReportOptions {
  readonly incidentId?: string;
  readonly commandId?: string;
  readonly issuedAt?: string;
  readonly actor?: { readonly id: string; readonly role: Role; readonly areas?: string[] };
  readonly data?: Partial<ReportIncident['data']>;
}

/** A grid staff member's report, as the intake API puts it on the command topic. */
function report(options: ReportOptions = {}): CommandEnvelope {
  return {
    commandId: options.commandId ?? COMMAND,
    incidentId: options.incidentId ?? INCIDENT,
    issuedAt: options.issuedAt ?? ISSUED_AT,
    actor: options.actor ?? REPORTER,
    command: {
      type: 'ReportIncident',
      data: {
        reportId: 'rpt-20261124-0001',
        gridCode: TONGDE_GRID,
        category: 'exposed_rubbish',
        urgency: 'normal',
        description: '路边垃圾堆放未清运',
        location: LOCATION,
        occurredAt: '2026-11-24T00:40:00.000Z',
        ...options.data,
      },
    },
  };
}

// ---- given / when / then (test-support.ts), deciding at NOW -------------------------------------

const given = givenIn(ctx, NOW);

// ---- expected events, written from the domain rules ---------------------------------------------

/** The report as the system records it: made on the device at reportedAt, received when the API took it (receivedAt). */
function reported(reportedAt: string, over: { gridCode?: string; receivedAt?: string; location?: typeof LOCATION } = {}): GridEvent {
  return {
    type: 'IncidentReported',
    data: {
      reportId: 'rpt-20261124-0001',
      reporterId: STAFF.id,
      gridCode: over.gridCode ?? TONGDE_GRID,
      category: 'exposed_rubbish',
      urgency: 'normal',
      description: '路边垃圾堆放未清运',
      location: over.location ?? LOCATION,
      occurredAt: '2026-11-24T00:40:00.000Z',
      reportedAt,
      receivedAt: over.receivedAt ?? ISSUED_AT,
    },
    // The report happened when the grid staff made it: its business time is the report time.
    metadata: { eventId: `${INCIDENT}:1`, incidentId: INCIDENT, version: 1, occurredAt: reportedAt, commandId: COMMAND, actor: REPORTER },
  };
}

function dispatched(department: string): GridEvent {
  return {
    type: 'IncidentDispatched',
    // Deadlines run from when the report reached us (NOW), whenever it was made; both in working time (2 working
    // hours to sign for, 1 working day to handle exposed rubbish of normal urgency).
    data: { department, by: 'routing', signForDue: SIGN_FOR_DUE, handlingDue: HANDLING_DUE, measures: dispatchMeasures() },
    // Routing dispatches at once, on the worker's clock, as the system rather than a person.
    metadata: {
      eventId: `${INCIDENT}:2`,
      incidentId: INCIDENT,
      version: 2,
      occurredAt: NOW.toISOString(),
      commandId: COMMAND,
      actor: { id: 'routing', role: 'system' },
    },
  };
}

/** The same events with the event id left open: determinism of ids is tested on its own below. */
const anyId = (events: readonly GridEvent[]): GridEvent[] =>
  events.map((e) => ({ ...e, metadata: { ...e.metadata, eventId: expect.any(String) as string } }));

const anyActorId = (e: GridEvent): GridEvent => ({
  ...e,
  metadata: { ...e.metadata, actor: { id: expect.any(String) as string, role: e.metadata.actor.role } },
});

// ---- the specs -------------------------------------------------------------------------------

describe('decide: ReportIncident', () => {
  describe('a new report from grid staff', () => {
    it('is reported (v1) and dispatched (v2) to the category’s default department, with its deadlines', () => {
      given([])
        .when(report())
        .then(anyId([reported(ISSUED_AT), anyActorId(dispatched('sanitation'))]));
    });

    it('is dispatched to the department the routing table names for its area', () => {
      const inMeige = { ...insideGrid(MEIGE_GRID), address: LOCATION.address };
      given([])
        .when(report({ data: { gridCode: MEIGE_GRID, location: inMeige } }))
        .then(anyId([reported(ISSUED_AT, { gridCode: MEIGE_GRID, location: inMeige }), anyActorId(dispatched('urban_mgmt'))]));
    });

    it('produces events that satisfy the published event contract, as the worker stores them', () => {
      const events = logged(decide(report(), initialState, ctx, NOW), report());
      expect(events.map((e) => e.type)).toEqual(['IncidentReported', 'IncidentDispatched']);
      for (const event of events) expect(() => GridEvent.parse(event)).not.toThrow();
    });

    it('flags a report whose location lies outside its grid, and accepts it all the same (ADR 0025)', () => {
      const faraway = { lat: 31.7, lng: 116.5 };
      const events = acceptedEvents(decide(report({ data: { location: faraway } }), initialState, ctx, NOW));
      expect(events[0]).toMatchObject({
        type: 'IncidentReported',
        data: { gridCode: TONGDE_GRID, location: faraway, locationOutsideGrid: true },
      });
      expect(fold(events)?.locationOutsideGrid).toBe(true);
      const inside = acceptedEvents(decide(report(), initialState, ctx, NOW));
      expect(inside[0]?.data).not.toHaveProperty('locationOutsideGrid');
    });

    it('takes the report time from issuedAt when the device sent none', () => {
      given([])
        .when(report({ issuedAt: '2026-11-24T00:30:00.000Z' }))
        .then(
          anyId([reported('2026-11-24T00:30:00.000Z', { receivedAt: '2026-11-24T00:30:00.000Z' }), anyActorId(dispatched('sanitation'))]),
        );
    });

    it('takes the report time from the device when given (a phone that was offline for hours)', () => {
      const madeOffline = '2026-11-23T07:15:00.000Z';
      given([])
        .when(report({ data: { reportedAt: madeOffline } }))
        .then(anyId([reported(madeOffline), anyActorId(dispatched('sanitation'))]));
    });

    it('gives the events deterministic ids: the same command decided again (after a crash, at a later clock) yields the same ids', () => {
      const ids = (command: CommandEnvelope, now: Date) =>
        logged(decide(command, initialState, ctx, now), command).map((e) => e.metadata.eventId);
      const first = ids(report(), NOW);
      expect(first).toHaveLength(2);
      expect(new Set(first).size).toBe(2);
      expect(ids(report(), NOW)).toEqual(first);
      expect(ids(report(), new Date(NOW.getTime() + 60_000))).toEqual(first);
      const other = ids(report({ incidentId: OTHER_INCIDENT }), NOW);
      expect(other.filter((id) => first.includes(id))).toEqual([]);
    });
  });

  describe('a report on an incident that already exists', () => {
    const history = [reported(ISSUED_AT), dispatched('sanitation')];

    it('is accepted with no new events when the same reporter retries the same report', () => {
      given(history)
        .when(report({ commandId: RETRY_COMMAND, issuedAt: '2026-11-24T04:00:00.000Z' }), new Date('2026-11-24T04:00:01.000Z'))
        .then([]);
    });

    it('is accepted with no new events when the retry arrives before the dispatch was recorded', () => {
      given([history[0]!])
        .when(report({ commandId: RETRY_COMMAND }))
        .then([]);
    });

    it('is rejected INCIDENT_EXISTS when it is a different report', () => {
      given(history)
        .when(report({ commandId: RETRY_COMMAND, data: { reportId: 'rpt-20261124-0002' } }))
        .then({ rejected: 'INCIDENT_EXISTS' });
    });

    it('is rejected INCIDENT_EXISTS when another grid staff member sends the same report id', () => {
      given(history)
        .when(report({ commandId: RETRY_COMMAND, actor: { id: 'staff-0099', role: 'grid_staff' } }))
        .then({ rejected: 'INCIDENT_EXISTS' });
    });
  });

  describe('an invalid report', () => {
    it.each<Role>(['handler', 'dispatcher', 'leader', 'admin', 'system'])('is rejected FORBIDDEN_ROLE from a %s', (role) => {
      given([])
        .when(report({ actor: { id: 'someone-7', role } }))
        .then({ rejected: 'FORBIDDEN_ROLE' });
    });

    it('is rejected OUT_OF_JURISDICTION from grid staff of other grids, even of the same community', () => {
      const neighbour = areas.children(tongde.code)[1]!.code;
      for (const holds of [[neighbour], [tongde.code], []]) {
        given([])
          .when(report({ actor: { id: 'staff-0100', role: 'grid_staff', areas: holds } }))
          .then({ rejected: 'OUT_OF_JURISDICTION' });
      }
    });

    it('is rejected UNKNOWN_GRID for a grid code that is not in the tree', () => {
      given([])
        .when(report({ data: { gridCode: `${tongde.code}999` } }))
        .then({ rejected: 'UNKNOWN_GRID' });
      given([])
        .when(report({ data: { gridCode: '440106001001001' } }))
        .then({ rejected: 'UNKNOWN_GRID' });
    });

    it.each([
      ['a community', tongde.code],
      ['a town', shadui.code],
      ['the district', '440705'],
    ])('is rejected UNKNOWN_GRID for the code of %s, which is not a grid', (_, code) => {
      given([])
        .when(report({ data: { gridCode: code } }))
        .then({ rejected: 'UNKNOWN_GRID' });
    });

    it('is rejected UNKNOWN_CATEGORY for a category that is not in the catalog', () => {
      given([])
        .when(report({ data: { category: 'alien_landing' } }))
        .then({ rejected: 'UNKNOWN_CATEGORY' });
    });

    it('is rejected REPORTED_IN_FUTURE when the report time is more than 5 minutes ahead of the worker clock', () => {
      const ahead = (ms: number) => new Date(NOW.getTime() + ms).toISOString();
      given([])
        .when(report({ data: { reportedAt: ahead(5 * 60_000 + 1_000) } }))
        .then({ rejected: 'REPORTED_IN_FUTURE' });
      // the default report time (the intake clock) is held to the same bound
      given([])
        .when(report({ issuedAt: ahead(10 * 60_000) }))
        .then({ rejected: 'REPORTED_IN_FUTURE' });
    });

    it('tolerates a device clock up to 5 minutes fast, and reads offsets as instants', () => {
      const fiveAhead = new Date(NOW.getTime() + 5 * 60_000).toISOString();
      given([])
        .when(report({ data: { reportedAt: fiveAhead } }))
        .then(anyId([reported(fiveAhead), anyActorId(dispatched('sanitation'))]));
      // 09:04 in Shanghai is 01:04 UTC: 4 minutes ahead, accepted; 09:06 is 6 minutes ahead, refused.
      expect(decide(report({ data: { reportedAt: '2026-11-24T09:04:00+08:00' } }), initialState, ctx, NOW).kind).toBe('accepted');
      given([])
        .when(report({ data: { reportedAt: '2026-11-24T09:06:00+08:00' } }))
        .then({ rejected: 'REPORTED_IN_FUTURE' });
    });
  });
});

describe('evolve', () => {
  it('starts from no incident', () => {
    expect(initialState).toBeNull();
  });

  it('folds a report into a reported incident with no department yet', () => {
    expect(fold([reported(ISSUED_AT)])).toMatchObject({
      status: 'reported',
      version: 1,
      reportId: 'rpt-20261124-0001',
      reporterId: STAFF.id,
      gridCode: TONGDE_GRID,
      category: 'exposed_rubbish',
      urgency: 'normal',
      reportedAt: Date.parse(ISSUED_AT),
      department: null,
    });
  });

  it('folds the events decide produced into the state that decide then sees', () => {
    const events = acceptedEvents(decide(report({ data: { gridCode: MEIGE_GRID, urgency: 'urgent' } }), initialState, ctx, NOW));
    const state = fold(events);
    expect(state).toMatchObject({
      status: 'dispatched',
      version: 2,
      reportId: 'rpt-20261124-0001',
      reporterId: STAFF.id,
      gridCode: MEIGE_GRID,
      category: 'exposed_rubbish',
      urgency: 'urgent',
      reportedAt: Date.parse(ISSUED_AT),
      department: 'urban_mgmt',
      firstDispatchedAt: NOW.getTime(),
    });
    // the sign-for and handling clocks run against the deadlines the dispatch announced
    const dispatch = events[1];
    if (dispatch?.type !== 'IncidentDispatched') throw new Error('expected a dispatch');
    expect(state?.clocks.map((c) => [c.stage, c.due]).sort()).toEqual(
      [
        ['handling', Date.parse(dispatch.data.handlingDue)],
        ['sign_for', Date.parse(dispatch.data.signForDue)],
      ].sort(),
    );
    // and with that state, the retry is a no-op and a second report is refused
    expect(decide(report({ commandId: RETRY_COMMAND, data: { gridCode: MEIGE_GRID, urgency: 'urgent' } }), state, ctx, NOW)).toEqual({
      kind: 'accepted',
      events: [],
    });
    expect(decide(report({ data: { reportId: 'rpt-20261124-0002' } }), state, ctx, NOW)).toMatchObject({
      kind: 'rejected',
      rejection: { code: 'INCIDENT_EXISTS' },
    });
  });

  it('refuses a dispatch for an incident it has never seen', () => {
    expect(() => evolve(initialState, dispatched('sanitation'))).toThrow();
  });
});
