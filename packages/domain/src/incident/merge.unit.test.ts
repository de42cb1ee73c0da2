import { decide } from './decide.ts';
import { describe, expect, it } from 'vitest';
import { caseQueues, departmentQueues } from './queues.ts';
import { notificationsFor } from './notifications.ts';
import { incidentView } from './view.ts';
import {
  acceptedEvents,
  COMMAND,
  continuing,
  ctx,
  DISPATCHED,
  DISPATCHER,
  envelope,
  event,
  fold,
  given,
  GRID,
  GRID_LOCATION,
  history,
  INCIDENT,
  instant,
  iso,
  logged,
  measures,
  reported,
  STAFF,
  unroutedCtx,
} from './test-support.ts';

/*
 * 合并 (ADR 0032): a duplicate report is merged into an open case of the same problem. Each case decides its own half:
 * the duplicate MergeIncident / UnmergeIncident, the survivor AttachDuplicate / DetachDuplicate. Times are Shanghai
 * local time on Tuesday 24 November 2026, an ordinary working day (office hours 08:30–12:00, 14:30–17:30).
 */

const SURVIVOR = '0b9e8c71-2f3a-4d5b-8c6d-7e8f9a0b1c2d';
const OTHER_STAFF = { id: 'staff-0043', role: 'grid_staff' as const, areas: [GRID] };
const REPORTED = history(reported('2026-11-24 09:00', { dispatchDue: '2026-11-24 11:00' }));
const merge = (at: string, into = SURVIVOR) => envelope({ type: 'MergeIncident', data: { into } }, DISPATCHER, at);
const unmerge = (at: string) => envelope({ type: 'UnmergeIncident', data: {} }, DISPATCHER, at);
const attach = (at: string, category = 'exposed_rubbish', duplicateId = SURVIVOR) =>
  envelope({ type: 'AttachDuplicate', data: { duplicateId, category, reporterId: OTHER_STAFF.id } }, DISPATCHER, at);
const detach = (at: string) => envelope({ type: 'DetachDuplicate', data: { duplicateId: SURVIVOR } }, DISPATCHER, at);
const merged = (at: string) => event('IncidentMerged', { into: SURVIVOR }, at, DISPATCHER, COMMAND);
const MERGED = history(...REPORTED, merged('2026-11-24 09:20'));
const CLOSED = history(
  ...DISPATCHED,
  event('IncidentAccepted', { department: 'sanitation' }, '2026-11-24 09:30', { id: 'handler-sanitation', role: 'handler' }),
  event(
    'IncidentResolved',
    {
      notes: '已清运',
      handlingMs: 3_600_000,
      verificationDue: iso('2026-11-25 10:00'),
      measures: measures(['verification']),
    },
    '2026-11-24 10:00',
    { id: 'handler-sanitation', role: 'handler' },
  ),
  event('IncidentClosed', { onTime: true, handlingMs: 3_600_000 }, '2026-11-24 11:00', STAFF),
);

describe('MergeIncident (合并), the duplicate’s half', () => {
  it('closes a report awaiting dispatch as a duplicate: its dispatch clock stops, no timer runs, it is on no list', () => {
    const after = given(REPORTED)
      .when(merge('2026-11-24 09:20'))
      .then(continuing(REPORTED, merged('2026-11-24 09:20')));
    const state = fold([...REPORTED, ...acceptedEvents(after)]);
    expect(state).toMatchObject({ status: 'merged', mergedInto: SURVIVOR, clocks: [] });
    expect(given(MERGED).nextTimer()).toBeNull();
    expect(caseQueues(incidentView(INCIDENT, state!))).toEqual([]);
    expect(incidentView(INCIDENT, state!)).toMatchObject({ status: 'merged', mergedInto: SURVIVOR, mergedDuplicates: [] });
  });

  it('takes a dispatched case off its department’s lists, and no warning or escalation falls due any more', () => {
    const before = fold(DISPATCHED)!;
    expect(departmentQueues(before)).toEqual(['awaiting_sign_for']);
    const merging = given(DISPATCHED)
      .when(merge('2026-11-24 09:40'))
      .then(continuing(DISPATCHED, merged('2026-11-24 09:40')));
    const after = fold([...DISPATCHED, ...acceptedEvents(merging)]);
    expect(departmentQueues(after!)).toEqual([]);
    // A week later: the sign-for and handling deadlines have long passed, and nothing fires.
    given([...DISPATCHED, ...acceptedEvents(merging)])
      .tickAt(instant('2026-12-01 10:00'))
      .then([]);
  });

  it('refuses to merge a case into itself', () => {
    given(REPORTED).when(merge('2026-11-24 09:20', INCIDENT)).then({ rejected: 'MERGE_REFUSED' });
  });

  it('refuses a case already merged, closed or rejected', () => {
    given(MERGED).when(merge('2026-11-24 09:30')).then({ rejected: 'MERGE_REFUSED' });
    given(CLOSED).when(merge('2026-11-24 12:00')).then({ rejected: 'MERGE_REFUSED' });
    const rejected = history(...REPORTED, event('IncidentRejected', { reason: '不予立案' }, '2026-11-24 09:10', DISPATCHER));
    given(rejected).when(merge('2026-11-24 09:30')).then({ rejected: 'MERGE_REFUSED' });
  });

  it('is for dispatchers only', () => {
    given(REPORTED)
      .when(envelope({ type: 'MergeIncident', data: { into: SURVIVOR } }, STAFF, '2026-11-24 09:20'))
      .then({ rejected: 'FORBIDDEN_ROLE' });
  });
});

describe('UnmergeIncident, the duplicate’s half of undoing a merge', () => {
  it('makes the case its own again, awaiting dispatch (待派遣) against a dispatch deadline from now', () => {
    // 10:00 + 2 working hours = 12:00.
    const unmerged = event(
      'IncidentUnmerged',
      { from: SURVIVOR, dispatchDue: iso('2026-11-24 12:00'), measures: measures(['dispatch']) },
      '2026-11-24 10:00',
      DISPATCHER,
      COMMAND,
    );
    given(MERGED).when(unmerge('2026-11-24 10:00')).then(continuing(MERGED, unmerged));
    const state = fold([...MERGED, ...continuing(MERGED, unmerged)])!;
    expect(state.status).toBe('reported');
    expect(state.mergedInto).toBeUndefined();
    expect(state.closedAt).toBeUndefined();
    expect(caseQueues(incidentView(INCIDENT, state))).toEqual(['new']);
    expect(given([...MERGED, ...continuing(MERGED, unmerged)]).nextTimer()).toBe(iso('2026-11-24 11:00'));
  });

  it('refuses a case that is not merged', () => {
    given(REPORTED).when(unmerge('2026-11-24 10:00')).then({ rejected: 'MERGE_REFUSED' });
    given(CLOSED).when(unmerge('2026-11-24 12:00')).then({ rejected: 'MERGE_REFUSED' });
  });
});

describe('AttachDuplicate and DetachDuplicate, the survivor’s halves', () => {
  const attached = (at: string) =>
    event('DuplicateAttached', { duplicateId: SURVIVOR, reporterId: OTHER_STAFF.id }, at, DISPATCHER, COMMAND);
  const ATTACHED = history(...DISPATCHED, attached('2026-11-24 09:40'));

  it('lists the duplicate on an open case of the same category, once', () => {
    given(DISPATCHED)
      .when(attach('2026-11-24 09:40'))
      .then(continuing(DISPATCHED, attached('2026-11-24 09:40')));
    expect(incidentView(INCIDENT, fold(ATTACHED)!).mergedDuplicates).toEqual([SURVIVOR]);
    // Given again (the intake retried): nothing new.
    given(ATTACHED).when(attach('2026-11-24 09:45')).then([]);
  });

  it('refuses another category, a case over, and a case into itself', () => {
    given(DISPATCHED).when(attach('2026-11-24 09:40', 'manhole_cover')).then({ rejected: 'MERGE_REFUSED' });
    given(CLOSED).when(attach('2026-11-24 12:00')).then({ rejected: 'MERGE_REFUSED' });
    given(MERGED).when(attach('2026-11-24 09:40')).then({ rejected: 'MERGE_REFUSED' });
    given(DISPATCHED)
      .when(attach('2026-11-24 09:40', 'exposed_rubbish', INCIDENT))
      .then({ rejected: 'MERGE_REFUSED' });
  });

  it('takes the duplicate out while the case is open, never after it closed', () => {
    const detached = event('DuplicateDetached', { duplicateId: SURVIVOR }, '2026-11-24 10:00', DISPATCHER, COMMAND);
    given(ATTACHED).when(detach('2026-11-24 10:00')).then(continuing(ATTACHED, detached));
    expect(incidentView(INCIDENT, fold([...ATTACHED, ...continuing(ATTACHED, detached)])!).mergedDuplicates).toEqual([]);
    given(DISPATCHED).when(detach('2026-11-24 10:00')).then({ rejected: 'MERGE_REFUSED' });
    const closedWithDuplicate = history(...CLOSED.slice(0, -1), attached('2026-11-24 10:30'), CLOSED.at(-1)!);
    given(closedWithDuplicate).when(detach('2026-11-24 12:00')).then({ rejected: 'MERGE_REFUSED' });
  });

  it('tells the case’s reporter and every duplicate’s reporter when it closes', () => {
    const events = history(...CLOSED.slice(0, -1), attached('2026-11-24 10:30'), CLOSED.at(-1)!);
    const state = fold(events)!;
    const closing = events.at(-1)!;
    const notices = notificationsFor(closing, state, ctx.areas, ctx.catalog).filter((n) => n.kind === 'closed');
    expect(notices.map((n) => n.recipient)).toEqual([
      { role: 'grid_staff', person: STAFF.id },
      { role: 'grid_staff', person: OTHER_STAFF.id },
    ]);
  });
});

describe('a report proposed as a duplicate (重复上报)', () => {
  const report = (possibleDuplicateOf?: string[]) =>
    envelope(
      {
        type: 'ReportIncident',
        data: {
          reportId: 'rpt-20261124-0001',
          gridCode: GRID,
          category: 'exposed_rubbish',
          urgency: 'normal',
          description: '路边垃圾堆放未清运',
          location: GRID_LOCATION,
          occurredAt: iso('2026-11-24 09:00'),
          ...(possibleDuplicateOf ? { possibleDuplicateOf } : {}),
        },
      },
      STAFF,
      '2026-11-24 09:00',
    );

  const decided = (context = ctx, proposals?: string[]) => {
    const command = report(proposals);
    return logged(decide(command, null, context, instant('2026-11-24 09:00')), command);
  };

  it('is not routed: it waits for a dispatcher with the cases proposed', () => {
    // The same report without proposals is routed at once (the built-in routing sends rubbish to 环卫).
    expect(decided().map((e) => e.type)).toEqual(['IncidentReported', 'IncidentDispatched']);
    const held = decided(ctx, [SURVIVOR]);
    expect(held.map((e) => e.type)).toEqual(['IncidentReported']);
    expect(held[0]).toMatchObject({ data: { possibleDuplicateOf: [SURVIVOR], dispatchDue: iso('2026-11-24 11:00') } });
    const state = fold(held)!;
    expect(incidentView(INCIDENT, state).possibleDuplicateOf).toEqual([SURVIVOR]);
    expect(caseQueues(incidentView(INCIDENT, state))).toEqual(['new']);
  });

  it('waits the same way where no route exists at all', () => {
    expect(decided(unroutedCtx, [SURVIVOR]).map((e) => e.type)).toEqual(['IncidentReported']);
  });
});
