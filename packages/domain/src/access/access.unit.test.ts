import type { Actor, Command, CommandType, PersonRole } from '@gridgov/contracts';
import { describe, expect, it } from 'vitest';
import { decide } from '../incident/decide.ts';
import { ctx, dispatched, envelope, fold, GRID, history, HUICHENG, named, reported } from '../incident/test-support.ts';
import { authorise, roleMay, type AccessTarget } from './authorise.ts';
import { ACCESS, ACTIONS, PERSON_ROLES, type Action } from './table.ts';

/*
 * The authorisation table, tested whole: every role × action × (inside / outside jurisdiction), allowed and
 * denied, as written out below. ✓ = allowed inside the actor's jurisdiction (and denied outside); · = never.
 */
const MATRIX = `
  action                    grid_staff  handler  dispatcher  leader  admin
  ReportIncident            ✓           ·        ·           ·       ·
  VerifyIncident            ✓           ·        ·           ·       ·
  RejectIncident            ·           ·        ✓           ·       ·
  DispatchIncident          ·           ·        ✓           ·       ·
  ReassignIncident          ·           ·        ✓           ·       ·
  ApproveExtension          ·           ·        ✓           ·       ·
  DenyExtension             ·           ·        ✓           ·       ·
  SuspendIncident           ·           ·        ✓           ·       ·
  ResumeIncident            ·           ·        ✓           ·       ·
  EscalateIncident          ·           ·        ✓           ·       ·
  MergeIncident             ·           ·        ✓           ·       ·
  UnmergeIncident           ·           ·        ✓           ·       ·
  AttachDuplicate           ·           ·        ✓           ·       ·
  DetachDuplicate           ·           ·        ✓           ·       ·
  ReturnIncident            ·           ✓        ·           ·       ·
  AcceptIncident            ·           ✓        ·           ·       ·
  ResolveIncident           ·           ✓        ·           ·       ·
  RequestExtension          ·           ✓        ·           ·       ·
  EraseIncident             ·           ·        ·           ·       ✓
  ReadIncident              ✓           ✓        ✓           ✓       ·
  ListIncidents             ·           ·        ✓           ✓       ·
  ListDepartmentIncidents   ·           ✓        ✓           ✓       ·
  ReadAudit                 ·           ·        ✓           ✓       ✓
  SeeConfidentialReporter   ✓           ·        ✓           ·       ·
  ReadFigures               ·           ·        ✓           ✓       ✓
  ReadCommandOutcome        ✓           ✓        ✓           ✓       ✓
  FreezeBulletin            ·           ·        ·           ✓       ✓
  Administer                ·           ·        ·           ·       ✓
`;

const rows = MATRIX.trim()
  .split('\n')
  .slice(1)
  .map((line) => line.trim().split(/\s+/));
const EXPECTED = new Map(
  rows.map(([action, ...marks]) => [action as Action, new Map(PERSON_ROLES.map((role, i) => [role, marks[i] === '✓']))]),
);

const { areas } = ctx;
const DAZE = named('town', '大泽镇');
/** A grid of 大泽镇: outside 会城街道, inside 新会区. */
const DAZE_GRID = areas.children(areas.children(DAZE.code)[0]!.code)[0]!.code;

/** One person of each role, each holding 会城街道 (grid staff: a grid of it; the handler: sanitation there). */
const ACTORS: Record<PersonRole, Actor> = {
  grid_staff: { id: 'staff-1', role: 'grid_staff', areas: [GRID] },
  handler: { id: 'handler-1', role: 'handler', department: 'sanitation', areas: [HUICHENG.code] },
  dispatcher: { id: 'dispatcher-1', role: 'dispatcher', areas: [HUICHENG.code] },
  leader: { id: 'leader-1', role: 'leader', areas: [HUICHENG.code] },
  admin: { id: 'admin-1', role: 'admin', areas: [HUICHENG.code] },
};

/** What lies inside each actor's jurisdiction: their grid, their department, their report, their command. */
const inside = (actor: Actor): AccessTarget => ({ area: GRID, department: 'sanitation', reporterId: actor.id, issuerId: actor.id });
/** What lies outside: another town's grid, another department, someone else's report and command. */
const OUTSIDE: AccessTarget = { area: DAZE_GRID, department: 'urban_mgmt', reporterId: 'someone-else', issuerId: 'someone-else' };

const DENIAL_OUTSIDE = {
  subtree: 'OUT_OF_JURISDICTION',
  ownGrid: 'OUT_OF_JURISDICTION',
  assigned: 'NOT_ASSIGNED',
  ownReport: 'NOT_OWN_REPORT',
  issuer: 'NOT_OWN_COMMAND',
  never: 'FORBIDDEN_ROLE',
} as const;

describe('the authorisation table', () => {
  it('lists every action exactly once, and the written matrix lists the same', () => {
    expect(new Set(ACTIONS).size).toBe(ACTIONS.length);
    expect([...EXPECTED.keys()].sort()).toEqual([...ACTIONS].sort());
  });

  const cases = ACTIONS.flatMap((action) => PERSON_ROLES.map((role) => [action, role] as const));

  it.each(cases)('%s by %s: as the matrix says inside the jurisdiction, denied outside it', (action, role) => {
    const actor = ACTORS[role];
    const allowed = EXPECTED.get(action)!.get(role)!;
    const within = authorise(actor, action, inside(actor), areas);
    const outside = authorise(actor, action, OUTSIDE, areas);
    expect(within.allowed).toBe(allowed);
    expect(roleMay(role, action)).toBe(allowed);
    expect(outside).toMatchObject({ allowed: false, code: DENIAL_OUTSIDE[ACCESS[action][role]] });
    if (!allowed) expect(within).toMatchObject({ allowed: false, code: 'FORBIDDEN_ROLE' });
    // A denial names who, what and why.
    if (!outside.allowed) {
      expect(outside.message).toContain(action);
      expect(outside.message).toContain(role);
    }
  });

  it.each(ACTIONS)('%s is never for the system role', (action) => {
    expect(authorise({ id: 'routing', role: 'system' }, action, inside({ id: 'routing', role: 'system' }), areas)).toMatchObject({
      allowed: false,
      code: 'FORBIDDEN_ROLE',
    });
  });
});

describe('jurisdiction', () => {
  it('is the subtree of the areas held: a district holds its towns, a town not its neighbour nor the district', () => {
    const district: Actor = { id: 'd', role: 'dispatcher', areas: ['440705'] };
    const town: Actor = { id: 'l', role: 'leader', areas: [HUICHENG.code] };
    expect(authorise(district, 'DispatchIncident', { area: DAZE_GRID }, areas).allowed).toBe(true);
    expect(authorise(town, 'ReadFigures', { area: HUICHENG.code }, areas).allowed).toBe(true);
    expect(authorise(town, 'ReadFigures', { area: GRID }, areas).allowed).toBe(true);
    expect(authorise(town, 'ReadFigures', { area: DAZE.code }, areas)).toMatchObject({ allowed: false, code: 'OUT_OF_JURISDICTION' });
    expect(authorise(town, 'ReadFigures', { area: '440705' }, areas)).toMatchObject({ allowed: false, code: 'OUT_OF_JURISDICTION' });
    expect(authorise(town, 'ReadFigures', { area: '440799' }, areas).allowed).toBe(false);
    expect(authorise({ ...town, areas: [HUICHENG.code, DAZE.code] }, 'ReadFigures', { area: DAZE.code }, areas).allowed).toBe(true);
  });

  it('holds nothing without areas', () => {
    for (const role of PERSON_ROLES) {
      const actor: Actor = { id: 'nobody', role, department: 'sanitation' };
      for (const action of ACTIONS) {
        const rule = ACCESS[action][role];
        if (rule === 'subtree' || rule === 'ownGrid' || rule === 'assigned')
          expect(authorise(actor, action, inside(actor), areas).allowed).toBe(false);
      }
    }
  });

  it('for grid staff is their own grids, not the community above them', () => {
    const community = areas.get(GRID).parent!;
    const staff: Actor = { id: 's', role: 'grid_staff', areas: [community] };
    expect(authorise(staff, 'ReportIncident', { area: GRID }, areas)).toMatchObject({ allowed: false, code: 'OUT_OF_JURISDICTION' });
  });

  it('for a handler is their department within their areas: both must hold', () => {
    const handler = ACTORS.handler;
    expect(authorise(handler, 'AcceptIncident', { area: DAZE_GRID, department: 'sanitation' }, areas)).toMatchObject({
      code: 'OUT_OF_JURISDICTION',
    });
    expect(authorise(handler, 'AcceptIncident', { area: GRID, department: 'urban_mgmt' }, areas)).toMatchObject({ code: 'NOT_ASSIGNED' });
    expect(authorise(handler, 'AcceptIncident', { area: GRID, department: null }, areas)).toMatchObject({ code: 'NOT_ASSIGNED' });
    expect(
      authorise({ ...handler, department: undefined }, 'AcceptIncident', { area: GRID, department: 'sanitation' }, areas),
    ).toMatchObject({
      code: 'NOT_ASSIGNED',
    });
  });
});

/** A command of each type with valid data, to put the decider to the same questions as the table. */
const COMMANDS: Record<Exclude<CommandType, 'ReportIncident'>, Command> = {
  RejectIncident: { type: 'RejectIncident', data: { reason: '不予立案' } },
  DispatchIncident: { type: 'DispatchIncident', data: { department: 'urban_mgmt' } },
  ReassignIncident: { type: 'ReassignIncident', data: { department: 'urban_mgmt', reason: '改派' } },
  ReturnIncident: { type: 'ReturnIncident', data: { reason: '退回' } },
  AcceptIncident: { type: 'AcceptIncident', data: {} },
  ResolveIncident: { type: 'ResolveIncident', data: { notes: '已处置', photos: [] } },
  VerifyIncident: { type: 'VerifyIncident', data: { passed: true, notes: '' } },
  RequestExtension: { type: 'RequestExtension', data: { unit: 'working_days', amount: 1, reason: '延期' } },
  ApproveExtension: { type: 'ApproveExtension', data: {} },
  DenyExtension: { type: 'DenyExtension', data: { reason: '不批' } },
  SuspendIncident: { type: 'SuspendIncident', data: { reason: '挂账' } },
  ResumeIncident: { type: 'ResumeIncident', data: {} },
  EscalateIncident: { type: 'EscalateIncident', data: { reason: '督办' } },
  EraseIncident: { type: 'EraseIncident', data: { reason: '本人申请删除' } },
  MergeIncident: { type: 'MergeIncident', data: { into: '0b9e8c71-2f3a-4d5b-8c6d-7e8f9a0b1c2d' } },
  UnmergeIncident: { type: 'UnmergeIncident', data: {} },
  AttachDuplicate: {
    type: 'AttachDuplicate',
    data: { duplicateId: '0b9e8c71-2f3a-4d5b-8c6d-7e8f9a0b1c2d', category: 'exposed_rubbish', reporterId: 'staff-0043' },
  },
  DetachDuplicate: { type: 'DetachDuplicate', data: { duplicateId: '0b9e8c71-2f3a-4d5b-8c6d-7e8f9a0b1c2d' } },
};

describe('the decider asks the same table', () => {
  // A case of 同德社区 (会城街道) with sanitation: inside every actor above; the same actors moved to 大泽镇 are outside.
  const state = fold(
    history(
      reported('2026-11-24 09:00'),
      dispatched('2026-11-24 09:00', 'sanitation', { signFor: '2026-11-24 11:00', handling: '2026-11-25 09:00' }),
    ),
  );
  const moved = (actor: Actor): Actor => ({ ...actor, areas: actor.role === 'grid_staff' ? [DAZE_GRID] : [DAZE.code] });
  const ACCESS_CODES = ['FORBIDDEN_ROLE', 'OUT_OF_JURISDICTION', 'NOT_ASSIGNED'];

  const cases = (Object.keys(COMMANDS) as (keyof typeof COMMANDS)[]).flatMap((type) =>
    PERSON_ROLES.flatMap((role) => [[type, role, 'inside'] as const, [type, role, 'outside'] as const]),
  );

  it.each(cases)('%s by %s from %s: the decider refuses exactly when the table does, with its code', (type, role, where) => {
    const actor = where === 'inside' ? ACTORS[role] : moved(ACTORS[role]);
    const target = { area: state!.gridCode, department: state!.department, reporterId: state!.reporterId };
    const access = authorise(actor, type, target, areas);
    const decision = decide(envelope(COMMANDS[type], actor, '2026-11-24 10:00'), state, ctx, new Date('2026-11-24T02:00:00Z'));
    if (access.allowed) {
      if (decision.kind === 'rejected') expect(ACCESS_CODES).not.toContain(decision.rejection.code);
    } else {
      expect(decision).toEqual({ kind: 'rejected', rejection: { code: access.code, message: access.message } });
    }
  });

  it.each(PERSON_ROLES)('ReportIncident by %s: only grid staff, only in their own grid', (role) => {
    const report: Command = {
      type: 'ReportIncident',
      data: {
        reportId: 'rpt-matrix-0001',
        gridCode: GRID,
        category: 'exposed_rubbish',
        urgency: 'normal',
        description: '暴露垃圾',
        location: { lat: 22.5, lng: 113 },
        occurredAt: '2026-11-24T01:00:00.000Z',
      },
    };
    const at = new Date('2026-11-24T02:00:00Z');
    const within = decide(envelope(report, ACTORS[role], '2026-11-24 10:00'), null, ctx, at);
    const outside = decide(envelope(report, moved(ACTORS[role]), '2026-11-24 10:00'), null, ctx, at);
    expect(within.kind).toBe(role === 'grid_staff' ? 'accepted' : 'rejected');
    expect(outside).toMatchObject({
      kind: 'rejected',
      rejection: { code: role === 'grid_staff' ? 'OUT_OF_JURISDICTION' : 'FORBIDDEN_ROLE' },
    });
  });
});
