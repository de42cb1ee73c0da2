import { type GridEvent } from '@gridgov/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { areas } from '../incident/test-support.ts';
import { DEFAULT_CATEGORIES, DEFAULT_DEPARTMENTS } from '../catalog/categories.ts';
import {
  type ApplyResult,
  applyEvent,
  type CountedIncident,
  type CounterDelta,
  CountedFigures,
  counterField,
  spelledCounterField,
} from './counters.ts';

const meige = areas.ofLevel('community').find((c) => c.name === '梅阁村')!;
const GRID = areas.children(meige.code)[0]!.code;
// grid → 梅阁村 → 沙堆镇 → 新会区 → 江门市, written out from the codes
const LINEAGE = [GRID, GRID.slice(0, 12), GRID.slice(0, 9), '440705', '440700'];

// 17:00 UTC on Sunday 22 November 2026 is 01:00 on Monday 23 November in Shanghai.
const REPORTED_AT = '2026-11-22T17:00:00.000Z';
// Day, month and all time are kept; weeks, quarters and years are summed from them when read.
const REPORT_WINDOWS = ['d2026-11-23', 'm2026-11', 'all'];

const INCIDENT = '7d3f2a10-5b6c-4d8e-9f01-23456789abcd';
const STAFF = { id: 'staff-0042', role: 'grid_staff' } as const;
const SYSTEM = { id: 'routing', role: 'system' } as const;

function reportedEvent(
  o: { incidentId?: string; gridCode?: string; category?: string; reportedAt?: string; occurredAt?: string } = {},
): GridEvent {
  const incidentId = o.incidentId ?? INCIDENT;
  const reportedAt = o.reportedAt ?? REPORTED_AT;
  return {
    type: 'IncidentReported',
    data: {
      reportId: `rpt-${incidentId}`,
      reporterId: STAFF.id,
      gridCode: o.gridCode ?? GRID,
      category: o.category ?? 'dispute',
      urgency: 'normal',
      description: '邻里纠纷',
      location: { lat: 22.2, lng: 113.1 },
      occurredAt: reportedAt,
      reportedAt,
    },
    metadata: { eventId: `${incidentId}:1`, incidentId, version: 1, occurredAt: o.occurredAt ?? reportedAt, actor: STAFF },
  };
}

// Deadlines do not matter to the counters; any valid instants do (and the measures of a dispute, normal urgency:
// 2 working hours to sign for, 5 working days to handle).
const DUES = {
  signForDue: '2026-11-25T04:00:00.000Z',
  handlingDue: '2026-11-26T04:00:00.000Z',
  measures: { sign_for: 'working', handling: 'working' },
} as const;

function dispatchedEvent(version: number, department: string, o: { incidentId?: string; occurredAt?: string } = {}): GridEvent {
  const incidentId = o.incidentId ?? INCIDENT;
  return {
    type: 'IncidentDispatched',
    data: { department, by: 'routing', ...DUES },
    metadata: {
      eventId: `${incidentId}:${version}`,
      incidentId,
      version,
      occurredAt: o.occurredAt ?? '2026-11-25T02:00:00.000Z',
      actor: SYSTEM,
    },
  };
}

/** 改派: a dispatcher moves the case from one department to another. */
function reassignedEvent(version: number, from: string, department: string, o: { incidentId?: string } = {}): GridEvent {
  const incidentId = o.incidentId ?? INCIDENT;
  return {
    type: 'IncidentReassigned',
    data: { from, department, reason: '职责不符', ...DUES },
    metadata: {
      eventId: `${incidentId}:${version}`,
      incidentId,
      version,
      occurredAt: '2026-11-26T02:00:00.000Z',
      actor: { id: 'dispatcher-1', role: 'dispatcher' },
    },
  };
}

// Fields are compared spelled out (`dispatched|cd|dispute|justice`), as a reader would name them.
const key = (d: Pick<CounterDelta, 'area' | 'window' | 'field'>) => `${d.area}|${d.window}|${spelledCounterField(d.field)}`;
const sortedKeys = (deltas: readonly CounterDelta[]) => deltas.map(key).sort();

/** Every (area of the lineage) × (window of the report time) × field, each +1. */
function everywhere(fields: readonly string[]): CounterDelta[] {
  return LINEAGE.flatMap((area) => REPORT_WINDOWS.flatMap((window) => fields.map((field) => ({ area, window, field, by: 1 }))));
}

/** The applied result, its deltas' fields spelled out. */
function applied(result: ApplyResult): Extract<ApplyResult, { kind: 'applied' }> {
  if (result.kind !== 'applied') throw new Error(`expected applied, got ${result.kind}`);
  return { ...result, deltas: result.deltas.map((d) => ({ ...d, field: spelledCounterField(d.field) })) };
}

describe('counterField', () => {
  it("names the whole-scope, per-category, per-department and per-pair fields by the figure's code", () => {
    expect(counterField('reported')).toBe('r');
    expect(counterField('reported', { category: 'dispute' })).toBe('r|dispute');
    expect(counterField('dispatched', { department: 'justice' })).toBe('p||justice');
    expect(counterField('closed', { category: 'dispute', department: 'justice' })).toBe('c|dispute|justice');
  });

  it('gives every figure a code of its own', () => {
    const codes = CountedFigures.map((figure) => counterField(figure));
    expect(new Set(codes).size).toBe(CountedFigures.length);
    for (const code of codes) expect(code).toMatch(/^[a-z]$/);
  });

  it('is spelled out as a generation folded before the codes names it, every figure in every scope', () => {
    const scopes = [{}, { category: 'dispute' }, { department: 'justice' }, { category: 'exposed_rubbish', department: 'sanitation' }];
    const spelled = (figure: string, scope: { category?: string; department?: string }) =>
      scope.category && scope.department
        ? `${figure}|cd|${scope.category}|${scope.department}`
        : scope.category
          ? `${figure}|c|${scope.category}`
          : scope.department
            ? `${figure}|d|${scope.department}`
            : figure;
    for (const figure of CountedFigures)
      for (const scope of scopes) expect(spelledCounterField(counterField(figure, scope))).toBe(spelled(figure, scope));
    // A field already spelled out, or not a counter field at all, is answered as it is.
    for (const field of ['closedOnTime', 'closed|cd|dispute|justice', 'z|dispute', '']) expect(spelledCounterField(field)).toBe(field);
  });
});

describe('applyEvent', () => {
  describe('a report', () => {
    const result = applied(applyEvent(areas, undefined, reportedEvent()));

    it('counts one report for the grid and its four ancestors, in the kept windows (day, month, all), overall and for its category', () => {
      expect(LINEAGE).toEqual(areas.lineage(GRID)); // the fixture agrees with the codes
      const expected = everywhere(['reported', 'reported|c|dispute']);
      expect(expected).toHaveLength(5 * 3 * 2);
      expect(sortedKeys(result.deltas)).toEqual(sortedKeys(expected));
      expect(new Set(result.deltas.map(key)).size).toBe(result.deltas.length); // nothing counted twice
      for (const delta of result.deltas) expect(delta.by).toBe(1);
    });

    it('remembers the incident for its later events', () => {
      expect(result.incident).toMatchObject({ version: 1, gridCode: GRID, category: 'dispute', reportedAt: REPORTED_AT, department: null });
    });

    it('counts in the windows of the report time, not of the arrival time (a phone back online days later)', () => {
      const late = applied(
        applyEvent(areas, undefined, reportedEvent({ reportedAt: '2026-03-31T15:59:00.000Z', occurredAt: '2026-04-03T09:00:00.000Z' })),
      );
      const windows = new Set(late.deltas.map((d) => d.window));
      expect([...windows].sort()).toEqual(['all', 'd2026-03-31', 'm2026-03'].sort());
    });
  });

  describe('a dispatch', () => {
    const incident = applied(applyEvent(areas, undefined, reportedEvent())).incident;
    const result = applied(applyEvent(areas, incident, dispatchedEvent(2, 'justice')));

    it('counts one dispatch overall, for the department and for its pair with the category, everywhere the report was counted', () => {
      const keys = new Set(result.deltas.map(key));
      for (const delta of everywhere(['dispatched', 'dispatched|d|justice', 'dispatched|cd|dispute|justice'])) {
        expect(keys.has(key(delta)), key(delta)).toBe(true);
      }
      // The report joins the pair's scope now that it has a department.
      for (const delta of everywhere(['reported|cd|dispute|justice'])) expect(keys.has(key(delta)), key(delta)).toBe(true);
      for (const delta of result.deltas) {
        expect(LINEAGE).toContain(delta.area);
        expect(REPORT_WINDOWS).toContain(delta.window); // the report's windows, though dispatched days later
        expect(delta.by).toBe(1);
      }
      expect(new Set(result.deltas.map(key)).size).toBe(result.deltas.length);
    });

    it('does not count the report again', () => {
      const fields = new Set(result.deltas.map((d) => d.field));
      expect(fields.has('reported')).toBe(false);
      expect(fields.has('reported|c|dispute')).toBe(false);
    });

    it('remembers the department', () => {
      expect(result.incident).toMatchObject({
        version: 2,
        gridCode: GRID,
        category: 'dispute',
        reportedAt: REPORTED_AT,
        department: 'justice',
      });
    });

    it('does not count the case as dispatched a second time when it is reassigned (改派), but moves it to the new department', () => {
      const again = applied(applyEvent(areas, result.incident, reassignedEvent(3, 'justice', 'public_security')));
      expect(again.deltas.filter((d) => d.field === 'dispatched')).toEqual([]);
      const byField = (field: string) => again.deltas.filter((d) => d.field === field && d.area === '440700' && d.window === 'all');
      expect(byField('dispatched|d|justice')).toEqual([{ area: '440700', window: 'all', field: 'dispatched|d|justice', by: -1 }]);
      expect(byField('dispatched|d|public_security')).toEqual([
        { area: '440700', window: 'all', field: 'dispatched|d|public_security', by: 1 },
      ]);
      expect(byField('dispatched|cd|dispute|justice')).toEqual([
        { area: '440700', window: 'all', field: 'dispatched|cd|dispute|justice', by: -1 },
      ]);
      expect(byField('dispatched|cd|dispute|public_security')).toEqual([
        { area: '440700', window: 'all', field: 'dispatched|cd|dispute|public_security', by: 1 },
      ]);
      expect(again.incident).toMatchObject({ version: 3, department: 'public_security' });
    });
  });

  describe('versions', () => {
    const incident = applied(applyEvent(areas, undefined, reportedEvent())).incident;
    const afterDispatch = applied(applyEvent(areas, incident, dispatchedEvent(2, 'justice'))).incident;

    it('treats an event of the version already applied as a duplicate, with no deltas', () => {
      expect(applyEvent(areas, incident, reportedEvent())).toEqual({ kind: 'duplicate' });
      expect(applyEvent(areas, afterDispatch, dispatchedEvent(2, 'justice'))).toEqual({ kind: 'duplicate' });
    });

    it('treats an event of an older version as a duplicate, with no deltas', () => {
      expect(applyEvent(areas, afterDispatch, reportedEvent())).toEqual({ kind: 'duplicate' });
    });

    it('reports a gap, naming the version it expects, when a version is skipped', () => {
      expect(applyEvent(areas, undefined, dispatchedEvent(2, 'justice'))).toEqual({ kind: 'gap', expected: 1 });
      expect(applyEvent(areas, incident, dispatchedEvent(3, 'justice'))).toEqual({ kind: 'gap', expected: 2 });
    });
  });
});

describe('applyEvent, property: redelivered events change nothing', () => {
  const grids = areas.ofLevel('grid').map((g) => g.code);
  const categories = DEFAULT_CATEGORIES.map((c) => c.code);
  const departments = DEFAULT_DEPARTMENTS.map((d) => d.code);

  const incidentArb = fc.record({
    gridCode: fc.constantFrom(...grids),
    category: fc.constantFrom(...categories),
    reportedAt: fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2027, 11, 31) }).map((ms) => new Date(ms).toISOString()),
    // the first is the dispatch (by routing), any more are reassignments (改派)
    dispatches: fc.array(fc.constantFrom(...departments), { maxLength: 3 }),
    // after delivering version v, redeliver these earlier versions (as a consumer replaying after a crash would)
    replays: fc.array(fc.array(fc.nat(), { maxLength: 3 }), { minLength: 4, maxLength: 4 }),
  });

  const uuid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

  interface Run {
    readonly totals: Map<string, number>;
    readonly known: Map<string, CountedIncident>;
    readonly kinds: ApplyResult['kind'][];
  }

  function run(events: readonly GridEvent[]): Run {
    const totals = new Map<string, number>();
    const known = new Map<string, CountedIncident>();
    const kinds: ApplyResult['kind'][] = [];
    for (const event of events) {
      const result = applyEvent(areas, known.get(event.metadata.incidentId), event);
      kinds.push(result.kind);
      if (result.kind !== 'applied') continue;
      known.set(event.metadata.incidentId, result.incident);
      for (const d of result.deltas) totals.set(key(d), (totals.get(key(d)) ?? 0) + d.by);
    }
    return { totals, known, kinds };
  }

  it('applying a stream with duplicates gives the same totals as applying each version once', () => {
    fc.assert(
      fc.property(fc.array(incidentArb, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 60 }), (incidents, picks) => {
        const histories = incidents.map((inc, i) => {
          const incidentId = uuid(i);
          return [
            reportedEvent({ incidentId, gridCode: inc.gridCode, category: inc.category, reportedAt: inc.reportedAt }),
            ...inc.dispatches.map((dept, j) =>
              j === 0 ? dispatchedEvent(2, dept, { incidentId }) : reassignedEvent(j + 2, inc.dispatches[j - 1]!, dept, { incidentId }),
            ),
          ];
        });

        // Per incident, in order (its events share a partition key), with earlier versions redelivered.
        const queues = histories.map((history, i) =>
          history.flatMap((event, v) => [event, ...(incidents[i]!.replays[v] ?? []).map((r) => history[r % (v + 1)]!)]),
        );
        // Interleave the incidents as the picks say; round-robin once the picks run out.
        const delivered: GridEvent[] = [];
        for (let step = 0; queues.some((q) => q.length > 0); step++) {
          const open = queues.filter((q) => q.length > 0);
          delivered.push(open[(picks[step] ?? step) % open.length]!.shift()!);
        }

        const once = run(histories.flat());
        const withDuplicates = run(delivered);

        expect([...withDuplicates.totals].sort()).toEqual([...once.totals].sort());
        expect(withDuplicates.known).toEqual(once.known);
        expect(withDuplicates.kinds).not.toContain('gap');
        expect(withDuplicates.kinds.filter((k) => k === 'applied')).toHaveLength(histories.flat().length);
        expect(withDuplicates.kinds.filter((k) => k === 'duplicate')).toHaveLength(delivered.length - histories.flat().length);

        // And the totals are the right ones: every case reported once, every dispatched case dispatched once,
        // and counted for the department it is with now.
        const dispatchedCases = incidents.filter((inc) => inc.dispatches.length > 0).length;
        expect(withDuplicates.totals.get('440700|all|reported')).toBe(incidents.length);
        expect(withDuplicates.totals.get('440700|all|dispatched') ?? 0).toBe(dispatchedCases);
        // The pairs (category, department now), each case in one pair at most.
        const pairs = new Map<string, number>();
        for (const inc of incidents) {
          const now = inc.dispatches.at(-1);
          if (now)
            pairs.set(
              `440700|all|dispatched|cd|${inc.category}|${now}`,
              (pairs.get(`440700|all|dispatched|cd|${inc.category}|${now}`) ?? 0) + 1,
            );
        }
        expect(new Map([...withDuplicates.totals].filter(([k, n]) => k.startsWith('440700|all|dispatched|cd|') && n !== 0))).toEqual(pairs);
        for (const department of departments) {
          const withIt = incidents.filter((inc) => inc.dispatches.at(-1) === department).length;
          expect(withDuplicates.totals.get(`440700|all|dispatched|d|${department}`) ?? 0).toBe(withIt);
        }
      }),
      { numRuns: 200 },
    );
  }, 20_000); // 200 runs of up to 6 cases × 4 versions, redelivered: seconds on a shared core
});

describe('applyEvent: a returned case leaves its department', () => {
  it('moves out of the department scope but stays dispatched', () => {
    const reported = applied(applyEvent(areas, undefined, reportedEvent()));
    const dispatched = applied(applyEvent(areas, reported.incident, dispatchedEvent(2, 'justice')));
    const returned: GridEvent = {
      type: 'IncidentReturned',
      data: { department: 'justice', reason: '不属本单位职责', dispatchDue: '2026-11-26T04:00:00.000Z', measures: { dispatch: 'working' } },
      metadata: {
        eventId: `${INCIDENT}:3`,
        incidentId: INCIDENT,
        version: 3,
        occurredAt: '2026-11-25T03:00:00.000Z',
        actor: { id: 'h-1', role: 'handler' },
      },
    };
    const after = applied(applyEvent(areas, dispatched.incident, returned));
    const changed = new Map(after.deltas.filter((d) => d.area === '440705' && d.window === 'all').map((d) => [d.field, d.by]));
    // Every figure the case counted for under 司法局 goes, and nothing else moves.
    expect(changed).toEqual(
      new Map([
        ['reported|d|justice', -1],
        ['dispatched|d|justice', -1],
        ['reported|cd|dispute|justice', -1],
        ['dispatched|cd|dispute|justice', -1],
      ]),
    );
    expect(after.incident.department).toBeNull();
    expect(after.incident.dispatched).toBe(true);
  });
});
