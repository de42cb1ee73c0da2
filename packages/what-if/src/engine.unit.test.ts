import type { GridEvent } from '@gridgov/contracts';
import { applyEvent, type CountedIncident, spelledCounterField, storedWindowsOf } from '@gridgov/domain';
import { describe, expect, it } from 'vitest';
import { WhatIfReplay } from './engine.ts';
import { proposedConfiguration } from './proposal.ts';
import { replayCase } from './replay-case.ts';
import {
  at,
  current,
  DISPATCHER,
  DISTRICT,
  GRIDS,
  handledCase,
  handlerOf,
  incidentIdOf,
  liveCase,
  reportStep,
  staffOf,
  type Step,
} from './test-world.ts';

const HOUR = 3_600_000;
const CATEGORIES = ['dirty_road', 'exposed_rubbish', 'manhole_cover', 'dispute'] as const;

/** Case n of a varied history: on time, late, left overdue, extended, suspended, reworked, reassigned, returned. */
function variedCase(n: number): Step[] {
  const grid = GRIDS[(n * 7) % GRIDS.length]!;
  const category = CATEGORIES[n % CATEGORIES.length]!;
  const department = current.catalog.defaultDepartment(category)!;
  const other = department === 'sanitation' ? 'urban_mgmt' : 'sanitation';
  // Spread over March and April 2026, at any hour (nights and weekends too).
  const t0 = at('2026-03-01 00:00') + ((n * 37) % 60) * 24 * HOUR + ((n * 5) % 24) * HOUR + 17 * 60_000;
  const h = (hours: number) => t0 + hours * HOUR;
  const report = reportStep(grid, category, t0, n);
  const accept = (t: number): Step => ({ at: t, actor: handlerOf(department), command: { type: 'AcceptIncident', data: {} } });
  const resolve = (t: number, who = department): Step => ({
    at: t,
    actor: handlerOf(who),
    command: { type: 'ResolveIncident', data: { notes: '已处置', photos: [] } },
  });
  const verify = (t: number, passed = true): Step => ({
    at: t,
    actor: staffOf(grid),
    command: { type: 'VerifyIncident', data: { passed, notes: passed ? '' : '未清理干净', photos: [] } },
  });
  const dispatcher = (t: number, command: Step['command']): Step => ({ at: t, actor: DISPATCHER, command });
  switch (n % 8) {
    case 0:
      return [report, accept(h(0.2)), resolve(h(1)), verify(h(20))];
    case 1:
      return [report, accept(h(1)), resolve(h(30)), verify(h(50))];
    case 2:
      return [report, accept(h(0.5))];
    case 3:
      return [
        report,
        accept(h(0.3)),
        {
          at: h(0.6),
          actor: handlerOf(department),
          command: { type: 'RequestExtension', data: { unit: 'working_days', amount: 2, reason: '需要协调' } },
        },
        dispatcher(h(1), { type: 'ApproveExtension', data: {} }),
        resolve(h(40)),
        verify(h(60)),
      ];
    case 4:
      return [
        report,
        dispatcher(h(0.5), { type: 'SuspendIncident', data: { reason: '等待天气' } }),
        dispatcher(h(48), { type: 'ResumeIncident', data: {} }),
        accept(h(49)),
        resolve(h(52)),
        verify(h(70)),
      ];
    case 5:
      return [report, accept(h(0.5)), resolve(h(3)), verify(h(5), false), resolve(h(26)), verify(h(45))];
    case 6:
      return [
        report,
        dispatcher(h(0.4), { type: 'ReassignIncident', data: { department: other, reason: '职责不符' } }),
        { at: h(1), actor: handlerOf(other), command: { type: 'AcceptIncident', data: {} } },
        resolve(h(8), other),
        verify(h(24)),
      ];
    default:
      return (
        [
          report,
          { at: h(0.5), actor: handlerOf(department), command: { type: 'ReturnIncident', data: { reason: '不属本部门' } } },
          dispatcher(h(2), { type: 'DispatchIncident', data: { department } }),
          accept(h(3)),
          resolve(h(9)),
          verify(h(30)),
          dispatcher(h(0.45), { type: 'EscalateIncident', data: { reason: '领导关注' } }),
        ] satisfies Step[]
      ).sort((a, b) => a.at - b.at);
  }
}

const AS_OF = at('2026-06-30 18:00');

/**
 * 合并 (ADR 0032): a survivor, a report merged into it for good, and one merged then undone and handled on its own;
 * each half on its own case, as a dispatcher gives them.
 */
function mergedCases(): GridEvent[][] {
  const grid = GRIDS[3]!;
  const [survivor, merged, undone] = [1000, 1001, 1002].map(incidentIdOf) as [string, string, string];
  const t0 = at('2026-04-07 09:10');
  const h = (hours: number) => t0 + hours * HOUR;
  const handler = handlerOf(current.catalog.defaultDepartment('exposed_rubbish')!);
  const by = (t: number, command: Step['command']): Step => ({ at: t, actor: DISPATCHER, command });
  const attach = (t: number, duplicateId: string) =>
    by(t, { type: 'AttachDuplicate', data: { duplicateId, category: 'exposed_rubbish', reporterId: staffOf(grid).id } });
  return [
    liveCase(
      survivor,
      [
        reportStep(grid, 'exposed_rubbish', t0, 1000),
        { at: h(0.2), actor: handler, command: { type: 'AcceptIncident', data: {} } },
        attach(h(0.3), merged),
        attach(h(0.3), undone),
        by(h(1), { type: 'DetachDuplicate', data: { duplicateId: undone } }),
        { at: h(2), actor: handler, command: { type: 'ResolveIncident', data: { notes: '已清运', photos: [] } } },
        { at: h(20), actor: staffOf(grid), command: { type: 'VerifyIncident', data: { passed: true, notes: '', photos: [] } } },
      ],
      AS_OF,
    ),
    liveCase(
      merged,
      [reportStep(grid, 'exposed_rubbish', h(0.1), 1001), by(h(0.3), { type: 'MergeIncident', data: { into: survivor } })],
      AS_OF,
    ),
    liveCase(
      undone,
      [
        reportStep(grid, 'exposed_rubbish', h(0.15), 1002),
        by(h(0.3), { type: 'MergeIncident', data: { into: survivor } }),
        by(h(1), { type: 'UnmergeIncident', data: {} }),
        by(h(1.5), { type: 'DispatchIncident', data: { department: current.catalog.defaultDepartment('exposed_rubbish')! } }),
        { at: h(1.6), actor: handler, command: { type: 'AcceptIncident', data: {} } },
        { at: h(30), actor: handler, command: { type: 'ResolveIncident', data: { notes: '已清运', photos: [] } } },
        { at: h(40), actor: staffOf(grid), command: { type: 'VerifyIncident', data: { passed: true, notes: '', photos: [] } } },
      ],
      AS_OF,
    ),
  ];
}

const log: GridEvent[][] = [...Array.from({ length: 120 }, (_, n) => liveCase(incidentIdOf(n), variedCase(n), AS_OF)), ...mergedCases()];

/** The projection's counters over the log: its reducer's deltas summed per area, window and field (spelled out). */
function projectionCounters(streams: readonly GridEvent[][]): Map<string, number> {
  const counters = new Map<string, number>();
  for (const stream of streams) {
    let known: CountedIncident | undefined;
    for (const event of stream) {
      const applied = applyEvent(current.areas, known, event);
      if (applied.kind !== 'applied') throw new Error(`${applied.kind} at ${event.metadata.eventId}`);
      known = applied.incident;
      for (const d of applied.deltas) {
        const key = `${d.area}|${d.window}|${spelledCounterField(d.field)}`;
        counters.set(key, (counters.get(key) ?? 0) + d.by);
      }
    }
  }
  return counters;
}

async function run(policy: Parameters<typeof proposedConfiguration>[1], streams = log, scope = { from: '2026-03-01', to: '2026-06-30' }) {
  const replay = new WhatIfReplay(current, proposedConfiguration(current, policy), scope);
  for (const stream of streams) for (const event of stream) replay.add(event);
  return replay.finish(AS_OF);
}

describe('what-if under the rules in force', () => {
  it('the history is varied: late, on time, overdue and escalated cases, a rework, an extension, a suspension, merges', () => {
    const types = new Set(log.flat().map((e) => e.type));
    for (const t of [
      'IncidentClosed',
      'DeadlineMissed',
      'IncidentEscalated',
      'ExtensionApproved',
      'IncidentResumed',
      'IncidentReworkRequested',
      'IncidentReassigned',
      'IncidentReturned',
      'IncidentMerged',
      'IncidentUnmerged',
      'DuplicateAttached',
      'DuplicateDetached',
    ])
      expect(types).toContain(t);
  });

  it('decides every case again into exactly the events the log holds', () => {
    for (const stream of log) expect(replayCase(stream, current.context, AS_OF).events).toEqual(stream);
  });

  it("reproduces the projection's figures exactly, for every area level and month", async () => {
    const report = await run({ handling: {} });
    const counters = projectionCounters(log);
    expect(report.currentDiffersFromLog).toBe(0);
    expect(report.changedTotal).toBe(0);
    expect(report.rows.length).toBeGreaterThan(10);
    for (const row of report.rows) {
      const window = storedWindowsOf(`${row.month}-15T12:00:00+08:00`)[1]!;
      const field = (f: string) => counters.get(`${row.area.code}|${window}|${f}`) ?? 0;
      const registered = field('reported') - field('rejected');
      expect(row.current, `${row.area.name} ${row.month}`).toEqual({
        reported: field('reported'),
        registered,
        closed: field('closed'),
        closedOnTime: field('closedOnTime'),
        onTimeClosureRate: registered > 0 ? field('closedOnTime') / registered : null,
        overdue: field('overdue'),
        escalated: field('escalated'),
      });
      expect(row.proposed).toEqual(row.current);
    }
    const district = report.rows.filter((r) => r.area.code === DISTRICT);
    expect(district.map((r) => r.month)).toEqual(['2026-03', '2026-04']);
    // Every case once, but the one merged away for good: a merged duplicate counts for nothing (ADR 0032).
    const mergedAway = log.filter((stream) => stream.at(-1)?.type === 'IncidentMerged').length;
    expect(mergedAway).toBe(1);
    expect(district.reduce((sum, r) => sum + r.current.reported, 0)).toBe(log.length - mergedAway);
  });
});

describe('a hand-checked 道路不洁 case handled in 6 working hours', () => {
  // Monday 2 March 2026, a working day: dispatched 09:00; 09:00–12:00 and 14:30–17:30 are 6 working hours.
  const grid = GRIDS[0]!;
  const stream = liveCase(
    incidentIdOf(9001),
    handledCase(9001, grid, 'dirty_road', {
      reported: at('2026-03-02 09:00'),
      accepted: at('2026-03-02 09:10'),
      resolved: at('2026-03-02 17:30'),
      verified: at('2026-03-03 09:00'),
    }),
    AS_OF,
  );
  const eightHours = { handling: { dirty_road: { normal: { unit: 'working_hours' as const, amount: 8 } } } };

  it('is late under 5 working hours (the catalog in force), missed at 16:30 and escalated', () => {
    expect(current.catalog.handling('dirty_road', 'normal')).toEqual({ unit: 'working_hours', amount: 5 });
    const closed = stream.find((e) => e.type === 'IncidentClosed');
    expect(closed?.data).toMatchObject({ onTime: false, handlingMs: 6 * HOUR });
    expect(stream.find((e) => e.type === 'DeadlineMissed')?.data).toMatchObject({
      stage: 'handling',
      due: new Date(at('2026-03-02 16:30')).toISOString(),
    });
  });

  it('flips to on time, without 督办, under 8 working hours', async () => {
    const report = await run(eightHours, [stream]);
    expect(report.changed).toEqual([
      {
        incidentId: incidentIdOf(9001),
        gridCode: grid,
        category: 'dirty_road',
        reportedAt: new Date(at('2026-03-02 09:00')).toISOString(),
        current: { outcome: 'late', escalated: true },
        proposed: { outcome: 'on_time', escalated: false },
      },
    ]);
    const district = report.rows.find((r) => r.area.code === DISTRICT)!;
    expect(district.current).toMatchObject({ closed: 1, closedOnTime: 0, onTimeClosureRate: 0, escalated: 1 });
    expect(district.proposed).toMatchObject({ closed: 1, closedOnTime: 1, onTimeClosureRate: 1, escalated: 0 });
  });

  it('stays late under 5 hours written as a proposal, and under 6 hours less a minute', async () => {
    expect((await run({ handling: { dirty_road: { normal: { unit: 'working_hours', amount: 5 } } } }, [stream])).changedTotal).toBe(0);
    const almost = await run({ handling: { dirty_road: { normal: { unit: 'natural_minutes', amount: 359 } } } }, [stream]);
    expect(almost.rows.find((r) => r.area.code === DISTRICT)!.proposed.closedOnTime).toBe(0);
  });
});

describe('scope', () => {
  it('counts only cases reported in the window and the area asked, rows for that area and below', async () => {
    const town = current.areas.lineage(GRIDS[0]!)[2]!;
    const report = await run({ handling: {} }, log, { from: '2026-03-01', to: '2026-03-31', area: town } as never);
    expect(report.rows.every((r) => r.month === '2026-03' && current.areas.isWithin(r.area.code, town))).toBe(true);
    expect(report.rows.some((r) => r.area.code === DISTRICT)).toBe(false);
    expect(report.cases).toBeGreaterThan(0);
    expect(report.cases).toBeLessThan(log.length);
  });
});

describe('configuration versions', () => {
  // The log was decided under version 0 (道路不洁 5 working hours); since then version 1 gave it 8.
  const stream = liveCase(
    incidentIdOf(9002),
    handledCase(9002, GRIDS[0]!, 'dirty_road', {
      reported: at('2026-03-02 09:00'),
      accepted: at('2026-03-02 09:10'),
      resolved: at('2026-03-02 17:30'),
      verified: at('2026-03-03 09:00'),
    }),
    AS_OF,
  );
  const eight = { handling: { dirty_road: { normal: { unit: 'working_hours' as const, amount: 8 } } } };
  const today = proposedConfiguration(current, eight).documents.catalog;
  const v1 = current.with('catalog', today, 1);
  const scope = { from: '2026-03-01', to: '2026-06-30' };
  const replayed = async (rulesOf?: ConstructorParameters<typeof WhatIfReplay>[4]) => {
    const replay = new WhatIfReplay(v1, proposedConfiguration(v1, { handling: {} }), scope, 500, rulesOf);
    for (const event of stream) replay.add(event);
    return replay.finish(AS_OF);
  };

  it('decides a case under the version it was decided under, so the rules in force then reproduce the log', async () => {
    expect(stream[0]!.metadata.configVersion).toBe(0);
    const versions = new Map([
      [0, { current, proposed: proposedConfiguration(current, { handling: {} }) }],
      [1, { current: v1, proposed: proposedConfiguration(v1, { handling: {} }) }],
    ]);
    const report = await replayed((v) => versions.get(v));
    expect(report.currentDiffersFromLog).toBe(0);
    expect(report.rows.find((r) => r.area.code === DISTRICT)!.current).toMatchObject({ closedOnTime: 0, escalated: 1 });
  });

  it("under today's rules alone the self-check tells the case that ends otherwise", async () => {
    const report = await replayed();
    expect(report.currentDiffersFromLog).toBe(1);
  });
});
