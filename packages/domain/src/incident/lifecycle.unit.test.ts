import { type Actor, type Command, type CommandType, type GridEvent, type GridEventType, type Role, type Stage } from '@gridgov/contracts';
import { describe, expect, it } from 'vitest';
import { escalationArea } from './commands/escalation.ts';
import { decide } from './decide.ts';
import { evolve } from './evolve.ts';
import { tick } from './timers.ts';
import { type Incident, initialState, type IncidentState, type IncidentStatus } from './state.ts';
import {
  acceptedEvents,
  logged,
  loggedTick,
  COMMAND,
  continuing,
  ctx,
  DISPATCHER,
  dispatched,
  dispatchMeasures,
  envelope,
  event,
  type EventOf,
  fold,
  given,
  GRID,
  handler,
  history,
  HOUR_MS,
  HUICHENG,
  INCIDENT,
  iso,
  JIANGMEN_CITY,
  measures,
  reported,
  STAFF,
  SYSTEM,
  TONGDE,
  unroutedCtx,
  XINHUI_DISTRICT,
  givenIn,
  instant,
  SANITATION,
  DISPATCHED,
  ACCEPTED,
  accepted,
  resolved,
  GRID_LOCATION,
} from './test-support.ts';

/*
 * The lifecycle, command by command. Times are Shanghai local time. Office hours are 08:30–12:00 and
 * 14:30–17:30 (6.5 working hours a day); sign-for is 2 working hours; verification 1 working day;
 * exposed rubbish (暴露垃圾), normal urgency, is 1 working day. Tuesday 24 November 2026 is an ordinary
 * working day, and so is every weekday of that week and the next.
 */

const URBAN_MGMT = handler('urban_mgmt');
const NO_DEPARTMENT: Actor = { id: 'handler-nobody', role: 'handler' };

const REASON = '不属于本单位职责 not ours';
const NOTES = '已清运，现场已恢复';
/** An after-photo (处置后) as the intake passes it on: key, hash and the type it judged from the bytes. */
const AFTER_PHOTO = { key: 'a1'.repeat(16), sha256: 'c3'.repeat(32), contentType: 'image/jpeg' } as const;

// ---- the states a case can be in, as the events that led there ------------------------------------

/** No route: the case waits for a dispatcher until 11:00, two working hours after the report. */
const REPORTED = history(reported('2026-11-24 09:00', { dispatchDue: '2026-11-24 11:00' }));
/** Resolved at 16:00: 3 h in the morning + 1.5 h in the afternoon since the dispatch; verify within 1 working day. */
const HANDLED_BY_16 = 4.5 * HOUR_MS;
const RESOLVED = history(
  ...ACCEPTED,
  resolved('2026-11-24 16:00', { notes: NOTES, handlingMs: HANDLED_BY_16, verificationDue: '2026-11-25 16:00' }),
);
/** Returned at 10:00: a dispatcher must act within 2 working hours, by 12:00. */
const RETURNED = history(
  ...DISPATCHED,
  event(
    'IncidentReturned',
    { department: 'sanitation', reason: REASON, dispatchDue: iso('2026-11-24 12:00'), measures: measures(['dispatch']) },
    '2026-11-24 10:00',
    SANITATION,
  ),
);
const CLOSED = history(...RESOLVED, event('IncidentClosed', { onTime: true, handlingMs: HANDLED_BY_16 }, '2026-11-25 10:00', STAFF));
const REJECTED = history(...REPORTED, event('IncidentRejected', { reason: '重复上报 duplicate' }, '2026-11-24 09:10', DISPATCHER));

/** Another open case of the same category at the same spot, the survivor of a merge. */
const SURVIVOR = '0b9e8c71-2f3a-4d5b-8c6d-7e8f9a0b1c2d';
const MERGED = history(...REPORTED, event('IncidentMerged', { into: SURVIVOR }, '2026-11-24 09:20', DISPATCHER));

const ADMIN: Actor = { id: 'admin-01', role: 'admin', areas: [XINHUI_DISTRICT] };
const SYSTEM_ACTOR: Actor = { id: 'system', role: 'system' };
const ERASE_REASON = '保存期满前本人申请删除 erasure on request';

const STATES: Record<IncidentStatus, readonly GridEvent[]> = {
  reported: REPORTED,
  returned: RETURNED,
  dispatched: DISPATCHED,
  accepted: ACCEPTED,
  resolved: RESOLVED,
  closed: CLOSED,
  rejected: REJECTED,
  merged: MERGED,
};

const suspended = (past: readonly GridEvent[], at: string) =>
  history(...past, event('IncidentSuspended', { reason: '待拆迁 awaiting demolition' }, at, DISPATCHER));

const extensionRequested = (at: string, unit: 'working_hours' | 'working_days' | 'natural_hours', amount: number) =>
  event('ExtensionRequested', { unit, amount, reason: '需协调产权单位' }, at, SANITATION);
const requested = (past: readonly GridEvent[], at: string, unit: 'working_hours' | 'working_days' | 'natural_hours', amount: number) =>
  history(...past, extensionRequested(at, unit, amount));

/** The handling deadline of ACCEPTED passed at Wednesday 09:00; the timer marked it and escalated to the community. */
const OVERDUE = history(
  ...ACCEPTED,
  event('DeadlineMissed', { stage: 'handling', due: iso('2026-11-25 09:00') }, '2026-11-25 09:00', SYSTEM),
  event(
    'IncidentEscalated',
    { level: 1, area: TONGDE.code, manual: false, reason: '超期自动督办 overdue', nextAt: iso('2026-11-26 09:00') },
    '2026-11-25 09:00',
    SYSTEM,
  ),
);

/** As OVERDUE, with 2 more working days asked for at Tuesday 10:00 and not yet answered when the deadline passed. */
const OVERDUE_WITH_REQUEST = history(
  ...ACCEPTED,
  extensionRequested('2026-11-24 10:00', 'working_days', 2),
  ...OVERDUE.slice(ACCEPTED.length),
);

// ---- every command, with the role that may give it ----------------------------------------------

type CaseCommand = Exclude<CommandType, 'ReportIncident'>;

const STATUSES_ALL: readonly IncidentStatus[] = [
  'reported',
  'returned',
  'dispatched',
  'accepted',
  'resolved',
  'closed',
  'rejected',
  'merged',
];

const COMMANDS: Record<CaseCommand, { readonly command: Command; readonly actor: Actor; readonly from: readonly IncidentStatus[] }> = {
  RejectIncident: { command: { type: 'RejectIncident', data: { reason: REASON } }, actor: DISPATCHER, from: ['reported', 'returned'] },
  DispatchIncident: {
    command: { type: 'DispatchIncident', data: { department: 'urban_mgmt' } },
    actor: DISPATCHER,
    from: ['reported', 'returned'],
  },
  ReassignIncident: {
    command: { type: 'ReassignIncident', data: { department: 'urban_mgmt', reason: REASON } },
    actor: DISPATCHER,
    from: ['dispatched', 'accepted'],
  },
  ReturnIncident: { command: { type: 'ReturnIncident', data: { reason: REASON } }, actor: SANITATION, from: ['dispatched', 'accepted'] },
  AcceptIncident: { command: { type: 'AcceptIncident', data: {} }, actor: SANITATION, from: ['dispatched'] },
  ResolveIncident: {
    command: { type: 'ResolveIncident', data: { notes: NOTES, photos: [AFTER_PHOTO] } },
    actor: SANITATION,
    from: ['accepted'],
  },
  VerifyIncident: { command: { type: 'VerifyIncident', data: { passed: true, notes: '' } }, actor: STAFF, from: ['resolved'] },
  RequestExtension: {
    command: { type: 'RequestExtension', data: { unit: 'working_days', amount: 2, reason: '需协调产权单位' } },
    actor: SANITATION,
    from: ['dispatched', 'accepted'],
  },
  ApproveExtension: { command: { type: 'ApproveExtension', data: {} }, actor: DISPATCHER, from: ['dispatched', 'accepted'] },
  DenyExtension: {
    command: { type: 'DenyExtension', data: { reason: '理由不充分' } },
    actor: DISPATCHER,
    from: ['dispatched', 'accepted'],
  },
  SuspendIncident: {
    command: { type: 'SuspendIncident', data: { reason: '待拆迁 awaiting demolition' } },
    actor: DISPATCHER,
    from: ['reported', 'returned', 'dispatched', 'accepted', 'resolved'],
  },
  ResumeIncident: {
    command: { type: 'ResumeIncident', data: {} },
    actor: DISPATCHER,
    from: ['reported', 'returned', 'dispatched', 'accepted', 'resolved'],
  },
  EscalateIncident: {
    command: { type: 'EscalateIncident', data: { reason: '群众反映强烈 public concern' } },
    actor: DISPATCHER,
    from: ['reported', 'returned', 'dispatched', 'accepted', 'resolved'],
  },
  EraseIncident: {
    command: { type: 'EraseIncident', data: { reason: ERASE_REASON } },
    actor: ADMIN,
    from: ['closed', 'rejected', 'merged'],
  },
  // Merges tell why they do not apply themselves (MERGE_REFUSED, merge.unit.test.ts): no state is INVALID_TRANSITION.
  MergeIncident: { command: { type: 'MergeIncident', data: { into: SURVIVOR } }, actor: DISPATCHER, from: STATUSES_ALL },
  UnmergeIncident: { command: { type: 'UnmergeIncident', data: {} }, actor: DISPATCHER, from: STATUSES_ALL },
  AttachDuplicate: {
    command: { type: 'AttachDuplicate', data: { duplicateId: SURVIVOR, category: 'exposed_rubbish', reporterId: 'staff-0043' } },
    actor: DISPATCHER,
    from: STATUSES_ALL,
  },
  DetachDuplicate: { command: { type: 'DetachDuplicate', data: { duplicateId: SURVIVOR } }, actor: DISPATCHER, from: STATUSES_ALL },
};
const COMMAND_TYPES = Object.keys(COMMANDS) as CaseCommand[];
const ROLES: readonly Role[] = ['grid_staff', 'handler', 'dispatcher', 'leader', 'admin', 'system'];
const STATUSES = Object.keys(STATES) as IncidentStatus[];

/** A command of the table, given by its own actor (or another) at a local time. */
const give = (type: CaseCommand, at: string, actor: Actor = COMMANDS[type].actor) => envelope(COMMANDS[type].command, actor, at);

/** An event that the command (COMMAND) caused. */
const caused = <T extends GridEventType>(type: T, data: EventOf<T>['data'], at: string, actor: Actor) =>
  event(type, data, at, actor, COMMAND);

// ---- the specs ----------------------------------------------------------------------------------

describe('RejectIncident (不予立案)', () => {
  it('turns down a report that waits for dispatch', () => {
    given(REPORTED)
      .when(give('RejectIncident', '2026-11-24 09:20'))
      .then(continuing(REPORTED, caused('IncidentRejected', { reason: REASON }, '2026-11-24 09:20', DISPATCHER)));
  });

  it('turns down a case its department returned', () => {
    given(RETURNED)
      .when(give('RejectIncident', '2026-11-24 10:30'))
      .then(continuing(RETURNED, caused('IncidentRejected', { reason: REASON }, '2026-11-24 10:30', DISPATCHER)));
  });
});

describe('ReportIncident with no route', () => {
  it('leaves the case reported, to be dispatched by hand within 2 working hours of its arrival', () => {
    givenIn(unroutedCtx)([])
      .when(
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
            },
          },
          STAFF,
          '2026-11-24 09:00',
        ),
      )
      .then(REPORTED);
  });
});

describe('DispatchIncident (派遣)', () => {
  it('sends a case waiting for dispatch to a department, with deadlines from now: sign for in 2 h, handle in 1 working day', () => {
    // 09:20 + 2 h = 11:20; 09:20 + 6.5 h = 2 h 40 min to noon, 3 h in the afternoon, 50 min on Wednesday from 08:30.
    given(REPORTED)
      .when(give('DispatchIncident', '2026-11-24 09:20'))
      .then(
        continuing(
          REPORTED,
          dispatched('2026-11-24 09:20', 'urban_mgmt', { signFor: '2026-11-24 11:20', handling: '2026-11-25 09:20' }, 'dispatcher'),
        ),
      );
  });

  it('counts the deadlines over a weekend in working time', () => {
    // Friday 16:00: 1.5 h to 17:30, then Monday from 08:30: sign for by 09:00, handle (5 h more) by 16:00.
    const friday = history(reported('2026-11-27 16:00', { dispatchDue: '2026-11-30 09:00' }));
    given(friday)
      .when(give('DispatchIncident', '2026-11-27 16:00'))
      .then(
        continuing(
          friday,
          dispatched('2026-11-27 16:00', 'urban_mgmt', { signFor: '2026-11-30 09:00', handling: '2026-11-30 16:00' }, 'dispatcher'),
        ),
      );
  });

  it('counts the deadlines over the National Day holiday (1–7 October) in working time', () => {
    // Wednesday 30 September 16:00: 1.5 h that day, then Thursday 8 October from 08:30.
    const beforeHoliday = history(reported('2026-09-30 16:00', { dispatchDue: '2026-10-08 09:00' }));
    given(beforeHoliday)
      .when(give('DispatchIncident', '2026-09-30 16:00'))
      .then(
        continuing(
          beforeHoliday,
          dispatched('2026-09-30 16:00', 'urban_mgmt', { signFor: '2026-10-08 09:00', handling: '2026-10-08 16:00' }, 'dispatcher'),
        ),
      );
  });

  it('dispatches a returned case again', () => {
    // 10:30 + 2 h = 1.5 h to noon + 0.5 h from 14:30; + 6.5 h = 1.5 + 3 h on Tuesday, 2 h on Wednesday from 08:30.
    given(RETURNED)
      .when(give('DispatchIncident', '2026-11-24 10:30'))
      .then(
        continuing(
          RETURNED,
          dispatched('2026-11-24 10:30', 'urban_mgmt', { signFor: '2026-11-24 15:00', handling: '2026-11-25 10:30' }, 'dispatcher'),
        ),
      );
  });

  it('is rejected UNKNOWN_DEPARTMENT for a department the catalog does not know', () => {
    given(REPORTED)
      .when(envelope({ type: 'DispatchIncident', data: { department: 'road_works' } }, DISPATCHER, '2026-11-24 09:20'))
      .then({ rejected: 'UNKNOWN_DEPARTMENT' });
  });
});

describe('ReassignIncident (改派)', () => {
  const reassignedAt10 = (from: readonly GridEvent[]) =>
    continuing(
      from,
      caused(
        'IncidentReassigned',
        // 10:00 + 2 h = 12:00; 10:00 + 6.5 h = 2 h to noon, 3 h in the afternoon, 1.5 h on Wednesday from 08:30.
        {
          from: 'sanitation',
          department: 'urban_mgmt',
          reason: REASON,
          signForDue: iso('2026-11-24 12:00'),
          handlingDue: iso('2026-11-25 10:00'),
          measures: dispatchMeasures(),
        },
        '2026-11-24 10:00',
        DISPATCHER,
      ),
    );

  it('moves a dispatched case to another department, with fresh deadlines', () => {
    given(DISPATCHED).when(give('ReassignIncident', '2026-11-24 10:00')).then(reassignedAt10(DISPATCHED));
  });

  it('moves a signed-for case to another department, which must sign for it again', () => {
    const events = acceptedEvents(given(ACCEPTED).when(give('ReassignIncident', '2026-11-24 10:00')).then(reassignedAt10(ACCEPTED)));
    const after = [...ACCEPTED, ...events];
    given(after)
      .when(give('AcceptIncident', '2026-11-24 10:30', URBAN_MGMT))
      .then(continuing(after, accepted('2026-11-24 10:30', 'urban_mgmt', URBAN_MGMT, COMMAND)));
    given(after)
      .when(give('AcceptIncident', '2026-11-24 10:30', SANITATION))
      .then({ rejected: 'NOT_ASSIGNED' });
  });

  it('is rejected SAME_DEPARTMENT when the case is already there', () => {
    given(DISPATCHED)
      .when(envelope({ type: 'ReassignIncident', data: { department: 'sanitation', reason: REASON } }, DISPATCHER, '2026-11-24 10:00'))
      .then({ rejected: 'SAME_DEPARTMENT' });
  });

  it('is rejected UNKNOWN_DEPARTMENT for a department the catalog does not know', () => {
    given(ACCEPTED)
      .when(envelope({ type: 'ReassignIncident', data: { department: 'road_works', reason: REASON } }, DISPATCHER, '2026-11-24 10:00'))
      .then({ rejected: 'UNKNOWN_DEPARTMENT' });
  });
});

describe('ReturnIncident (退回)', () => {
  const returnedAt10 = (from: readonly GridEvent[]) =>
    continuing(
      from,
      caused(
        'IncidentReturned',
        { department: 'sanitation', reason: REASON, dispatchDue: iso('2026-11-24 12:00'), measures: measures(['dispatch']) },
        '2026-11-24 10:00',
        SANITATION,
      ),
    );

  it('sends a dispatched case back to dispatch, which must act within 2 working hours', () => {
    given(DISPATCHED).when(give('ReturnIncident', '2026-11-24 10:00')).then(returnedAt10(DISPATCHED));
  });

  it('sends a signed-for case back to dispatch', () => {
    given(ACCEPTED).when(give('ReturnIncident', '2026-11-24 10:00')).then(returnedAt10(ACCEPTED));
  });
});

describe('AcceptIncident (签收)', () => {
  it('signs the case for its department', () => {
    given(DISPATCHED)
      .when(give('AcceptIncident', '2026-11-24 09:30'))
      .then(continuing(DISPATCHED, accepted('2026-11-24 09:30', 'sanitation', SANITATION, COMMAND)));
  });
});

describe('ResolveIncident (反馈)', () => {
  it('reports the case handled, with the working time since dispatch, and starts a 1-working-day verification clock', () => {
    // 09:00–16:00 on Tuesday: 3 h + 1.5 h of office time. Verify by 16:00 + 6.5 h = Wednesday 16:00.
    given(ACCEPTED)
      .when(give('ResolveIncident', '2026-11-24 16:00'))
      .then(
        continuing(
          ACCEPTED,
          resolved(
            '2026-11-24 16:00',
            { notes: NOTES, photos: [AFTER_PHOTO], handlingMs: HANDLED_BY_16, verificationDue: '2026-11-25 16:00' },
            SANITATION,
            COMMAND,
          ),
        ),
      );
  });

  it('refuses a photo the intake did not check (no type judged from its bytes), and records nothing', () => {
    const unchecked = { key: AFTER_PHOTO.key, sha256: AFTER_PHOTO.sha256 };
    given(ACCEPTED)
      .when(envelope({ type: 'ResolveIncident', data: { notes: NOTES, photos: [unchecked] } }, SANITATION, '2026-11-24 16:00'))
      .then({ rejected: 'PHOTO_UNVERIFIED' });
  });

  it('leaves suspended time out of the handling time', () => {
    // Suspended Tuesday 10:00 → Wednesday 10:00: 2 + 3 + 1.5 = 6.5 working hours, by which the handling due moved.
    const past = history(
      ...suspended(ACCEPTED, '2026-11-24 10:00'),
      event(
        'IncidentResumed',
        { suspendedAt: iso('2026-11-24 10:00'), deadlines: [{ stage: 'handling', due: iso('2026-11-26 09:00') }], nextEscalationAt: null },
        '2026-11-25 10:00',
        DISPATCHER,
      ),
    );
    // Tuesday 09:00 → Wednesday 15:00 is 3 + 3 + 3.5 + 0.5 = 10 working hours; less 6.5 suspended: 3.5 h.
    // Verify by 15:00 + 6.5 h = 2.5 h on Wednesday, 3.5 h + 0.5 h on Thursday: 15:00.
    given(past)
      .when(give('ResolveIncident', '2026-11-25 15:00'))
      .then(
        continuing(
          past,
          resolved(
            '2026-11-25 15:00',
            { notes: NOTES, photos: [AFTER_PHOTO], handlingMs: 3.5 * HOUR_MS, verificationDue: '2026-11-26 15:00' },
            SANITATION,
            COMMAND,
          ),
        ),
      );
  });

  it('counts handling time from the first dispatch, across a return and a new dispatch', () => {
    const past = history(
      ...RETURNED,
      dispatched('2026-11-24 10:30', 'urban_mgmt', { signFor: '2026-11-24 15:00', handling: '2026-11-25 10:30' }, 'dispatcher'),
      accepted('2026-11-24 11:00', 'urban_mgmt'),
    );
    given(past)
      .when(give('ResolveIncident', '2026-11-24 16:00', URBAN_MGMT))
      .then(
        continuing(
          past,
          resolved(
            '2026-11-24 16:00',
            { notes: NOTES, photos: [AFTER_PHOTO], handlingMs: HANDLED_BY_16, verificationDue: '2026-11-25 16:00' },
            URBAN_MGMT,
            COMMAND,
          ),
        ),
      );
  });

  it('counts no time over the National Day holiday', () => {
    // Dispatched Wednesday 30 September 16:00; resolved Thursday 8 October 10:00: 1.5 h + 1.5 h.
    const past = history(
      reported('2026-09-30 16:00'),
      dispatched('2026-09-30 16:00', 'sanitation', { signFor: '2026-10-08 09:00', handling: '2026-10-08 16:00' }),
      accepted('2026-09-30 16:30'),
    );
    // Verify by 10:00 + 6.5 h = 2 h to noon, 3 h in the afternoon, 1.5 h on Friday 9 October from 08:30.
    given(past)
      .when(give('ResolveIncident', '2026-10-08 10:00'))
      .then(
        continuing(
          past,
          resolved(
            '2026-10-08 10:00',
            { notes: NOTES, photos: [AFTER_PHOTO], handlingMs: 3 * HOUR_MS, verificationDue: '2026-10-09 10:00' },
            SANITATION,
            COMMAND,
          ),
        ),
      );
  });
});

describe('VerifyIncident (核查)', () => {
  const verify = (passed: boolean, at: string, notes = '') => envelope({ type: 'VerifyIncident', data: { passed, notes } }, STAFF, at);
  const resolvedAt = (past: readonly GridEvent[], at: string, handlingMs: number, verificationDue: string) =>
    history(...past, resolved(at, { notes: NOTES, handlingMs, verificationDue }));

  it('closes a case verified on site, on time when every deadline was met, with the handling time of its resolution', () => {
    given(RESOLVED)
      .when(verify(true, '2026-11-25 10:00'))
      .then(continuing(RESOLVED, caused('IncidentClosed', { onTime: true, handlingMs: HANDLED_BY_16 }, '2026-11-25 10:00', STAFF)));
  });

  it("carries the verifier's photos (核查) on the closing", () => {
    given(RESOLVED)
      .when(envelope({ type: 'VerifyIncident', data: { passed: true, notes: '', photos: [AFTER_PHOTO] } }, STAFF, '2026-11-25 10:00'))
      .then(
        continuing(
          RESOLVED,
          caused('IncidentClosed', { onTime: true, handlingMs: HANDLED_BY_16, photos: [AFTER_PHOTO] }, '2026-11-25 10:00', STAFF),
        ),
      );
  });

  it('closes a case not on time when its handling deadline was missed', () => {
    // Resolved Wednesday 11:00: 6 h on Tuesday and 2.5 h on Wednesday since the dispatch.
    const past = resolvedAt(OVERDUE, '2026-11-25 11:00', 8.5 * HOUR_MS, '2026-11-26 11:00');
    given(past)
      .when(verify(true, '2026-11-26 10:00'))
      .then(continuing(past, caused('IncidentClosed', { onTime: false, handlingMs: 8.5 * HOUR_MS }, '2026-11-26 10:00', STAFF)));
  });

  it('closes a case not on time when its sign-for deadline was missed, however fast the handling', () => {
    const past = resolvedAt(
      history(
        ...DISPATCHED,
        event('DeadlineMissed', { stage: 'sign_for', due: iso('2026-11-24 11:00') }, '2026-11-24 11:00', SYSTEM),
        accepted('2026-11-24 11:30'),
      ),
      '2026-11-24 16:00',
      HANDLED_BY_16,
      '2026-11-25 16:00',
    );
    given(past)
      .when(verify(true, '2026-11-25 10:00'))
      .then(continuing(past, caused('IncidentClosed', { onTime: false, handlingMs: HANDLED_BY_16 }, '2026-11-25 10:00', STAFF)));
  });

  it('closes a case not on time when it was resolved after its handling deadline, even before the timer marked it', () => {
    // No DeadlineMissed yet: the resolution at Wednesday 10:00 came an hour after the 09:00 deadline.
    const past = resolvedAt(ACCEPTED, '2026-11-25 10:00', 7.5 * HOUR_MS, '2026-11-26 10:00');
    given(past)
      .when(verify(true, '2026-11-26 09:00'))
      .then(continuing(past, caused('IncidentClosed', { onTime: false, handlingMs: 7.5 * HOUR_MS }, '2026-11-26 09:00', STAFF)));
  });

  it('closes a case not on time when it was signed for after its sign-for deadline, even before the timer marked it', () => {
    const past = resolvedAt(history(...DISPATCHED, accepted('2026-11-24 11:30')), '2026-11-24 16:00', HANDLED_BY_16, '2026-11-25 16:00');
    given(past)
      .when(verify(true, '2026-11-25 10:00'))
      .then(continuing(past, caused('IncidentClosed', { onTime: false, handlingMs: HANDLED_BY_16 }, '2026-11-25 10:00', STAFF)));
  });

  it('closes a case on time when it met the deadline an extension granted, though it missed the original one', () => {
    const past = resolvedAt(
      history(
        ...OVERDUE_WITH_REQUEST,
        event(
          'ExtensionApproved',
          { previousDue: iso('2026-11-25 09:00'), handlingDue: iso('2026-11-27 09:00') },
          '2026-11-25 10:00',
          DISPATCHER,
        ),
      ),
      '2026-11-26 10:00',
      // Tuesday 6 h, Wednesday 6.5 h, Thursday 08:30–10:00 1.5 h.
      14 * HOUR_MS,
      '2026-11-27 10:00',
    );
    given(past)
      .when(verify(true, '2026-11-27 09:30'))
      .then(continuing(past, caused('IncidentClosed', { onTime: true, handlingMs: 14 * HOUR_MS }, '2026-11-27 09:30', STAFF)));
  });

  it('sends a case that failed verification back to its department for rework (返工), with a fresh handling deadline', () => {
    // Wednesday 10:00 + 6.5 h = 2 h to noon, 3 h in the afternoon, 1.5 h on Thursday from 08:30.
    given(RESOLVED)
      .when(verify(false, '2026-11-25 10:00', '垃圾仍未清理'))
      .then(
        continuing(
          RESOLVED,
          caused(
            'IncidentReworkRequested',
            { notes: '垃圾仍未清理', reworkCount: 1, handlingDue: iso('2026-11-26 10:00'), measures: measures(['handling']) },
            '2026-11-25 10:00',
            STAFF,
          ),
        ),
      );
  });

  describe('after a rework', () => {
    // Reworked Wednesday 10:00 (due Thursday 10:00); resolved again Thursday 09:00: 6 + 6.5 + 0.5 = 13 working hours since dispatch.
    const reworked = history(
      ...RESOLVED,
      event(
        'IncidentReworkRequested',
        { notes: '垃圾仍未清理', reworkCount: 1, handlingDue: iso('2026-11-26 10:00'), measures: measures(['handling']) },
        '2026-11-25 10:00',
        STAFF,
      ),
    );
    const resolvedAgain = resolvedAt(reworked, '2026-11-26 09:00', 13 * HOUR_MS, '2026-11-27 09:00');

    it('the reworked case is with its department again, signed for', () => {
      given(reworked)
        .when(give('ResolveIncident', '2026-11-26 09:00'))
        .then(
          continuing(
            reworked,
            resolved(
              '2026-11-26 09:00',
              { notes: NOTES, photos: [AFTER_PHOTO], handlingMs: 13 * HOUR_MS, verificationDue: '2026-11-27 09:00' },
              SANITATION,
              COMMAND,
            ),
          ),
        );
    });

    it('counts a second failed verification as the second rework', () => {
      // Thursday 10:00 + 6.5 h = Friday 10:00.
      given(resolvedAgain)
        .when(verify(false, '2026-11-26 10:00', '仍有残留'))
        .then(
          continuing(
            resolvedAgain,
            caused(
              'IncidentReworkRequested',
              { notes: '仍有残留', reworkCount: 2, handlingDue: iso('2026-11-27 10:00'), measures: measures(['handling']) },
              '2026-11-26 10:00',
              STAFF,
            ),
          ),
        );
    });

    it('closes on time when the rework met its deadline, with the handling time up to the last resolution', () => {
      given(resolvedAgain)
        .when(verify(true, '2026-11-26 15:00'))
        .then(continuing(resolvedAgain, caused('IncidentClosed', { onTime: true, handlingMs: 13 * HOUR_MS }, '2026-11-26 15:00', STAFF)));
    });
  });
});

describe('RequestExtension (延期申请)', () => {
  const request = (at: string, actor: Actor = SANITATION) =>
    envelope({ type: 'RequestExtension', data: { unit: 'working_days', amount: 2, reason: '需协调产权单位' } }, actor, at);
  const requestedEvent = (at: string) =>
    caused('ExtensionRequested', { unit: 'working_days', amount: 2, reason: '需协调产权单位' }, at, SANITATION);

  it('asks for more handling time on a signed-for case', () => {
    given(ACCEPTED)
      .when(request('2026-11-24 15:00'))
      .then(continuing(ACCEPTED, requestedEvent('2026-11-24 15:00')));
  });

  it('asks for more handling time before signing for the case', () => {
    given(DISPATCHED)
      .when(request('2026-11-24 10:00'))
      .then(continuing(DISPATCHED, requestedEvent('2026-11-24 10:00')));
  });

  it('asks again after a request was denied', () => {
    const past = history(
      ...requested(ACCEPTED, '2026-11-24 10:00', 'working_days', 2),
      event('ExtensionDenied', { reason: '理由不充分' }, '2026-11-24 11:00', DISPATCHER),
    );
    given(past)
      .when(request('2026-11-24 15:00'))
      .then(continuing(past, requestedEvent('2026-11-24 15:00')));
  });

  it('is rejected EXTENSION_PENDING while a request waits for a dispatcher', () => {
    given(requested(ACCEPTED, '2026-11-24 10:00', 'working_hours', 3))
      .when(request('2026-11-24 15:00'))
      .then({ rejected: 'EXTENSION_PENDING' });
  });

  it('is rejected EXTENSION_TOO_LATE once the handling deadline was missed', () => {
    given(OVERDUE).when(request('2026-11-25 10:00')).then({ rejected: 'EXTENSION_TOO_LATE' });
  });

  it('is rejected EXTENSION_TOO_LATE after the handling deadline, even before the timer marked it missed', () => {
    given(ACCEPTED).when(request('2026-11-25 09:30')).then({ rejected: 'EXTENSION_TOO_LATE' });
  });
});

describe('ApproveExtension (延期审批)', () => {
  const approve = (at: string) => envelope({ type: 'ApproveExtension', data: {} }, DISPATCHER, at);
  const approved = (past: readonly GridEvent[], at: string, previousDue: string, handlingDue: string) =>
    continuing(past, caused('ExtensionApproved', { previousDue: iso(previousDue), handlingDue: iso(handlingDue) }, at, DISPATCHER));

  it('moves the handling deadline by working days: Wednesday 09:00 + 2 working days = Friday 09:00', () => {
    const past = requested(ACCEPTED, '2026-11-24 10:00', 'working_days', 2);
    given(past)
      .when(approve('2026-11-24 16:00'))
      .then(approved(past, '2026-11-24 16:00', '2026-11-25 09:00', '2026-11-27 09:00'));
  });

  it('moves the handling deadline by working hours: Wednesday 09:00 + 4 h = 3 h to noon and 1 h from 14:30', () => {
    const past = requested(ACCEPTED, '2026-11-24 10:00', 'working_hours', 4);
    given(past)
      .when(approve('2026-11-24 16:00'))
      .then(approved(past, '2026-11-24 16:00', '2026-11-25 09:00', '2026-11-25 15:30'));
  });

  it('moves the handling deadline by natural hours on the wall clock: Wednesday 09:00 + 10 h = 19:00', () => {
    const past = requested(ACCEPTED, '2026-11-24 10:00', 'natural_hours', 10);
    given(past)
      .when(approve('2026-11-24 16:00'))
      .then(approved(past, '2026-11-24 16:00', '2026-11-25 09:00', '2026-11-25 19:00'));
  });

  it('moves a deadline before the National Day holiday past it, onto the make-up working day (调休) of Saturday 10 October', () => {
    // Dispatched Tuesday 29 September 10:00: 1 working day → Wednesday 30 September 10:00. + 3 working days:
    // 5 h left on the 30th, 6.5 h on Thursday 8 October, 6.5 h on Friday 9th, 1.5 h on Saturday 10th (调休).
    const past = requested(
      history(
        reported('2026-09-29 10:00'),
        dispatched('2026-09-29 10:00', 'sanitation', { signFor: '2026-09-29 12:00', handling: '2026-09-30 10:00' }),
      ),
      '2026-09-29 11:00',
      'working_days',
      3,
    );
    given(past)
      .when(approve('2026-09-29 15:00'))
      .then(approved(past, '2026-09-29 15:00', '2026-09-30 10:00', '2026-10-10 10:00'));
  });

  it('moves a deadline that was already missed', () => {
    given(OVERDUE_WITH_REQUEST)
      .when(approve('2026-11-25 10:00'))
      .then(approved(OVERDUE_WITH_REQUEST, '2026-11-25 10:00', '2026-11-25 09:00', '2026-11-27 09:00'));
  });

  it('is rejected NO_EXTENSION_PENDING when nobody asked', () => {
    given(ACCEPTED).when(approve('2026-11-24 16:00')).then({ rejected: 'NO_EXTENSION_PENDING' });
  });

  it('is rejected NO_EXTENSION_PENDING for a request already approved', () => {
    const past = history(
      ...requested(ACCEPTED, '2026-11-24 10:00', 'working_days', 2),
      event(
        'ExtensionApproved',
        { previousDue: iso('2026-11-25 09:00'), handlingDue: iso('2026-11-27 09:00') },
        '2026-11-24 16:00',
        DISPATCHER,
      ),
    );
    given(past).when(approve('2026-11-24 17:00')).then({ rejected: 'NO_EXTENSION_PENDING' });
  });
});

describe('DenyExtension', () => {
  const deny = (at: string) => envelope({ type: 'DenyExtension', data: { reason: '理由不充分' } }, DISPATCHER, at);

  it('turns a request down; the deadline stays', () => {
    const past = requested(ACCEPTED, '2026-11-24 10:00', 'working_days', 2);
    given(past)
      .when(deny('2026-11-24 11:00'))
      .then(continuing(past, caused('ExtensionDenied', { reason: '理由不充分' }, '2026-11-24 11:00', DISPATCHER)));
  });

  it('is rejected NO_EXTENSION_PENDING when nobody asked', () => {
    given(DISPATCHED).when(deny('2026-11-24 11:00')).then({ rejected: 'NO_EXTENSION_PENDING' });
  });
});

describe('SuspendIncident and ResumeIncident (挂账)', () => {
  const suspend = (at: string) => give('SuspendIncident', at);
  const resume = (at: string) => give('ResumeIncident', at);
  /** Resumed; no escalation ladder runs in these cases (none was overdue), so there is no next step to move. */
  const resumed = (past: readonly GridEvent[], at: string, suspendedAt: string, deadlines: [Stage, string][]) =>
    continuing(
      past,
      caused(
        'IncidentResumed',
        { suspendedAt: iso(suspendedAt), deadlines: deadlines.map(([stage, due]) => ({ stage, due: iso(due) })), nextEscalationAt: null },
        at,
        DISPATCHER,
      ),
    );

  it.each<IncidentStatus>(['reported', 'returned', 'dispatched', 'accepted', 'resolved'])('parks a %s case', (status) => {
    const past = STATES[status];
    given(past)
      .when(suspend('2026-11-24 17:00'))
      .then(continuing(past, caused('IncidentSuspended', { reason: '待拆迁 awaiting demolition' }, '2026-11-24 17:00', DISPATCHER)));
  });

  it('is rejected ALREADY_SUSPENDED for a parked case', () => {
    given(suspended(ACCEPTED, '2026-11-24 10:00')).when(suspend('2026-11-24 11:00')).then({ rejected: 'ALREADY_SUSPENDED' });
  });

  it('is rejected NOT_SUSPENDED when resuming a case that is not parked', () => {
    given(ACCEPTED).when(resume('2026-11-24 11:00')).then({ rejected: 'NOT_SUSPENDED' });
  });

  it('moves the open deadlines later by the suspended working time: 10:00–14:30 holds 2 working hours', () => {
    // Sign-for had 1 h left (→ 14:30 + 1 h); handling had 2 + 3 + 0.5 = 5.5 h left (→ 3 h on Tuesday, 2.5 h on Wednesday).
    const past = suspended(DISPATCHED, '2026-11-24 10:00');
    given(past)
      .when(resume('2026-11-24 14:30'))
      .then(
        resumed(past, '2026-11-24 14:30', '2026-11-24 10:00', [
          ['sign_for', '2026-11-24 15:30'],
          ['handling', '2026-11-25 11:00'],
        ]),
      );
  });

  it('moves a deadline over a parked weekend by the working time only', () => {
    // Parked Tuesday 17:00 → Monday 08:30, with 0.5 + 0.5 = 1 working hour of handling left: due Monday 09:30.
    const past = suspended(ACCEPTED, '2026-11-24 17:00');
    given(past)
      .when(resume('2026-11-30 08:30'))
      .then(resumed(past, '2026-11-30 08:30', '2026-11-24 17:00', [['handling', '2026-11-30 09:30']]));
  });

  it('leaves a deadline already missed where it was', () => {
    // Handling had 11:30–12:00, 3 h and 0.5 h = 4 h left: from 14:30, 3 h on Tuesday and 1 h on Wednesday.
    const past = suspended(
      history(...DISPATCHED, event('DeadlineMissed', { stage: 'sign_for', due: iso('2026-11-24 11:00') }, '2026-11-24 11:00', SYSTEM)),
      '2026-11-24 11:30',
    );
    given(past)
      .when(resume('2026-11-24 14:30'))
      .then(resumed(past, '2026-11-24 14:30', '2026-11-24 11:30', [['handling', '2026-11-25 09:30']]));
  });

  it('moves the dispatch deadline of a case waiting for dispatch', () => {
    const past = suspended(REPORTED, '2026-11-24 10:00');
    given(past)
      .when(resume('2026-11-25 10:00'))
      .then(resumed(past, '2026-11-25 10:00', '2026-11-24 10:00', [['dispatch', '2026-11-25 11:00']]));
  });

  it('moves the verification deadline of a resolved case', () => {
    // Verification had 09:00–12:00 and 14:30–16:00 = 4.5 h left: from 10:00, 2 h to noon and 2.5 h from 14:30.
    const past = suspended(RESOLVED, '2026-11-25 09:00');
    given(past)
      .when(resume('2026-11-25 10:00'))
      .then(resumed(past, '2026-11-25 10:00', '2026-11-25 09:00', [['verification', '2026-11-25 17:00']]));
  });

  describe('while a case is parked, only resuming and escalating apply', () => {
    const parked: Record<string, readonly GridEvent[]> = {
      reported: suspended(REPORTED, '2026-11-24 09:30'),
      dispatched: suspended(DISPATCHED, '2026-11-24 09:30'),
      accepted: suspended(requested(ACCEPTED, '2026-11-24 09:40', 'working_days', 2), '2026-11-24 09:50'),
      resolved: suspended(RESOLVED, '2026-11-24 16:30'),
    };
    it.each<[CaseCommand, string]>([
      ['RejectIncident', 'reported'],
      ['DispatchIncident', 'reported'],
      ['ReassignIncident', 'dispatched'],
      ['ReturnIncident', 'dispatched'],
      ['AcceptIncident', 'dispatched'],
      ['RequestExtension', 'dispatched'],
      ['ResolveIncident', 'accepted'],
      ['ApproveExtension', 'accepted'],
      ['DenyExtension', 'accepted'],
      ['VerifyIncident', 'resolved'],
    ])('%s of a parked %s case is rejected INCIDENT_SUSPENDED', (type, status) => {
      given(parked[status]!).when(give(type, '2026-11-25 10:00')).then({ rejected: 'INCIDENT_SUSPENDED' });
    });

    it('a parked case can be escalated by hand', () => {
      const past = parked['accepted']!;
      given(past)
        .when(give('EscalateIncident', '2026-11-25 10:00'))
        .then(
          continuing(
            past,
            caused(
              'IncidentEscalated',
              { level: 1, area: TONGDE.code, manual: true, reason: '群众反映强烈 public concern', nextAt: null },
              '2026-11-25 10:00',
              DISPATCHER,
            ),
          ),
        );
    });
  });
});

describe('EscalateIncident (督办) by hand', () => {
  const escalated = (past: readonly GridEvent[], at: string, level: number, area: string, nextAt: string | null = null) =>
    continuing(
      past,
      caused(
        'IncidentEscalated',
        { level, area, manual: true, reason: '群众反映强烈 public concern', nextAt: nextAt && iso(nextAt) },
        at,
        DISPATCHER,
      ),
    );
  const byHand = (level: number, area: string, at: string) =>
    event('IncidentEscalated', { level, area, manual: true, reason: '群众反映强烈 public concern', nextAt: null }, at, DISPATCHER);

  it.each<IncidentStatus>(['reported', 'returned', 'dispatched', 'accepted', 'resolved'])(
    'raises a %s case one level, to the leaders of its community',
    (status) => {
      const past = STATES[status];
      given(past)
        .when(give('EscalateIncident', '2026-11-24 17:00'))
        .then(escalated(past, '2026-11-24 17:00', 1, TONGDE.code));
    },
  );

  it('climbs community → town → district → city, one level a time', () => {
    const one = history(...DISPATCHED, byHand(1, TONGDE.code, '2026-11-24 09:10'));
    given(one)
      .when(give('EscalateIncident', '2026-11-24 09:20'))
      .then(escalated(one, '2026-11-24 09:20', 2, HUICHENG.code));
    const two = history(...one, byHand(2, HUICHENG.code, '2026-11-24 09:20'));
    given(two)
      .when(give('EscalateIncident', '2026-11-24 09:30'))
      .then(escalated(two, '2026-11-24 09:30', 3, XINHUI_DISTRICT));
    const three = history(...two, byHand(3, XINHUI_DISTRICT, '2026-11-24 09:30'));
    given(three)
      .when(give('EscalateIncident', '2026-11-24 09:40'))
      .then(escalated(three, '2026-11-24 09:40', 4, JIANGMEN_CITY));
    const four = history(...three, byHand(4, JIANGMEN_CITY, '2026-11-24 09:40'));
    given(four).when(give('EscalateIncident', '2026-11-24 09:50')).then({ rejected: 'ESCALATION_AT_TOP' });
  });

  it('keeps the automatic ladder’s next step', () => {
    given(OVERDUE)
      .when(give('EscalateIncident', '2026-11-25 10:00'))
      .then(escalated(OVERDUE, '2026-11-25 10:00', 2, HUICHENG.code, '2026-11-26 09:00'));
  });

  it('escalationArea names the n-th area above the grid: 1 community, 2 town, 3 district, 4 city', () => {
    expect([1, 2, 3, 4].map((level) => escalationArea(ctx, GRID, level))).toEqual([
      TONGDE.code,
      HUICHENG.code,
      XINHUI_DISTRICT,
      JIANGMEN_CITY,
    ]);
  });
});

describe('EraseIncident (删除个人信息) and the retention policy', () => {
  it('erases a closed case for an admin: the event is the audit record, the state keeps nothing of the reporter', () => {
    const decision = given(CLOSED)
      .when(give('EraseIncident', '2026-12-01 09:00'))
      .then(continuing(CLOSED, caused('IncidentErased', { reason: ERASE_REASON, trigger: 'admin' }, '2026-12-01 09:00', ADMIN)));
    const after = fold([...CLOSED, ...(decision.kind === 'accepted' ? decision.events : [])]);
    expect(after).toMatchObject({ status: 'closed', erased: true, reporterId: '', reportId: '' });
  });

  it('refuses to erase a case still open: its reporter still verifies it', () => {
    given(RESOLVED).when(give('EraseIncident', '2026-11-24 17:00')).then({ rejected: 'INVALID_TRANSITION' });
  });

  it('decides nothing more on an erased case', () => {
    const erased = history(...CLOSED, event('IncidentErased', { reason: ERASE_REASON, trigger: 'admin' }, '2026-12-01 09:00', ADMIN));
    given(erased).when(give('EraseIncident', '2026-12-02 09:00')).then({ rejected: 'INCIDENT_ERASED' });
  });

  it('erases by itself once the retention after closing has run, once, and not before', () => {
    const retained = givenIn({ ...ctx, policy: { ...ctx.policy, retentionMs: 30 * 86_400_000 } });
    // Closed at 2026-11-25 10:00 (+08:00); 30 days later is 2026-12-25 10:00.
    expect(retained(CLOSED).nextTimer()).toBe('2026-12-25T02:00:00.000Z');
    retained(CLOSED).tickAt(new Date('2026-12-25T01:59:59Z')).then([]);
    const events = retained(CLOSED)
      .tickAt(new Date('2026-12-26T00:00:00Z'))
      .then(
        continuing(
          CLOSED,
          event(
            'IncidentErased',
            { reason: '保存期满 retention: 30 days after closing', trigger: 'retention' },
            '2026-12-25 10:00',
            SYSTEM_ACTOR,
          ),
        ),
      );
    expect(retained(history(...CLOSED, ...events)).nextTimer()).toBeNull();
    // Without a retention policy the personal data stays until an admin erases it.
    expect(given(CLOSED).nextTimer()).toBeNull();
  });
});

describe('commands that do not apply to the state', () => {
  const cases = COMMAND_TYPES.flatMap((type) =>
    STATUSES.filter((status) => !COMMANDS[type].from.includes(status)).map((status) => [type, status] as const),
  );

  // A handler is told first that the case is not theirs: before any dispatch it is no department's (the
  // access rule comes before the state, so that nobody outside a case learns its status).
  const notAssigned = (type: CaseCommand, status: IncidentStatus) =>
    COMMANDS[type].actor.role === 'handler' && given(STATES[status]).state?.department === null;

  it.each(cases)('%s of a %s case is rejected INVALID_TRANSITION (or NOT_ASSIGNED before dispatch)', (type, status) => {
    given(STATES[status])
      .when(give(type, '2026-11-26 10:00'))
      .then({ rejected: notAssigned(type, status) ? 'NOT_ASSIGNED' : 'INVALID_TRANSITION' });
  });

  it('a handler learns nothing of a case outside their jurisdiction: NOT_ASSIGNED / OUT_OF_JURISDICTION whatever its state', () => {
    const elsewhere: Actor = { ...COMMANDS.AcceptIncident.actor, areas: ['440705100'] };
    for (const status of STATUSES) {
      const decision = decide(
        give('AcceptIncident', '2026-11-26 10:00', elsewhere),
        given(STATES[status]).state,
        ctx,
        instant('2026-11-26 10:00'),
      );
      expect(decision).toMatchObject({ kind: 'rejected' });
      if (decision.kind === 'rejected') expect(['NOT_ASSIGNED', 'OUT_OF_JURISDICTION']).toContain(decision.rejection.code);
    }
  });

  it('a closed case accepts no command of any kind but the erasure of its personal data', () => {
    for (const type of COMMAND_TYPES.filter((t) => t !== 'EraseIncident')) {
      const decision = decide(give(type, '2026-11-26 10:00'), given(CLOSED).state, ctx, instant('2026-11-26 10:00'));
      // A merge or its undoing says why in its own words (merge.unit.test.ts).
      const code = ['MergeIncident', 'UnmergeIncident', 'AttachDuplicate', 'DetachDuplicate'].includes(type)
        ? 'MERGE_REFUSED'
        : 'INVALID_TRANSITION';
      expect(decision).toMatchObject({ kind: 'rejected', rejection: { code } });
    }
  });
});

describe('who may give each command', () => {
  const cases = COMMAND_TYPES.flatMap((type) =>
    ROLES.filter((role) => role !== COMMANDS[type].actor.role).map((role) => [type, role] as const),
  );

  it.each(cases)('%s from a %s is rejected FORBIDDEN_ROLE', (type, role) => {
    const status = COMMANDS[type].from.includes('accepted') ? 'accepted' : COMMANDS[type].from[0]!;
    const actor: Actor = { id: `someone-${role}`, role, department: 'sanitation' };
    given(STATES[status])
      .when(give(type, '2026-11-24 16:00', actor))
      .then({ rejected: 'FORBIDDEN_ROLE' });
  });

  const handlerCommands: readonly (readonly [CaseCommand, IncidentStatus])[] = [
    ['ReturnIncident', 'dispatched'],
    ['AcceptIncident', 'dispatched'],
    ['ResolveIncident', 'accepted'],
    ['RequestExtension', 'accepted'],
  ];

  it.each(handlerCommands)('%s of a %s case from a handler of another department is rejected NOT_ASSIGNED', (type, status) => {
    given(STATES[status])
      .when(give(type, '2026-11-24 16:00', URBAN_MGMT))
      .then({ rejected: 'NOT_ASSIGNED' });
  });

  it.each(handlerCommands)('%s of a %s case from a handler of no department is rejected NOT_ASSIGNED', (type, status) => {
    given(STATES[status])
      .when(give(type, '2026-11-24 16:00', NO_DEPARTMENT))
      .then({ rejected: 'NOT_ASSIGNED' });
  });

  it.each(COMMAND_TYPES)('%s of an incident never reported is rejected UNKNOWN_INCIDENT', (type) => {
    given([]).when(give(type, '2026-11-24 16:00')).then({ rejected: 'UNKNOWN_INCIDENT' });
  });
});

describe('versions', () => {
  /** Runs commands through decide and evolve, as the worker does; returns each decision's versions and ids. */
  function run(steps: readonly (readonly [Command, Actor, string])[]) {
    let state: IncidentState = initialState;
    return steps.map(([command, actor, at], i) => {
      const before = state?.version ?? 0;
      const given = { ...envelope(command, actor, at), commandId: `1c2d3e4f-5a6b-4c7d-8e9f-${String(i).padStart(12, '0')}` };
      const events = logged(decide(given, state, ctx, instant(at)), given, state);
      for (const e of events) state = evolve(state, e);
      expect(state?.version).toBe(before + events.length);
      return events.map((e) => [e.metadata.version, e.metadata.eventId]);
    });
  }

  it('each accepted decision continues the state’s version by one per event; event ids are <incidentId>:<version>', () => {
    const reportCommand: Command = {
      type: 'ReportIncident',
      data: {
        reportId: 'rpt-20261124-0001',
        gridCode: GRID,
        category: 'exposed_rubbish',
        urgency: 'normal',
        description: '路边垃圾堆放未清运',
        location: GRID_LOCATION,
        occurredAt: iso('2026-11-24 08:50'),
      },
    };
    const versions = run([
      [reportCommand, STAFF, '2026-11-24 09:00'],
      [COMMANDS.AcceptIncident.command, SANITATION, '2026-11-24 09:30'],
      [COMMANDS.RequestExtension.command, SANITATION, '2026-11-24 10:00'],
      [COMMANDS.ApproveExtension.command, DISPATCHER, '2026-11-24 10:30'],
      [COMMANDS.SuspendIncident.command, DISPATCHER, '2026-11-24 11:00'],
      [COMMANDS.EscalateIncident.command, DISPATCHER, '2026-11-24 11:10'],
      [COMMANDS.ResumeIncident.command, DISPATCHER, '2026-11-24 15:00'],
      [COMMANDS.ResolveIncident.command, SANITATION, '2026-11-24 16:00'],
      [{ type: 'VerifyIncident', data: { passed: false, notes: '仍有残留' } }, STAFF, '2026-11-25 09:00'],
      [COMMANDS.ResolveIncident.command, SANITATION, '2026-11-25 11:00'],
      [COMMANDS.VerifyIncident.command, STAFF, '2026-11-25 15:00'],
    ]);
    const id = (v: number) => [v, `${INCIDENT}:${v}`];
    expect(versions).toEqual([[id(1), id(2)], [id(3)], [id(4)], [id(5)], [id(6)], [id(7)], [id(8)], [id(9)], [id(10)], [id(11)], [id(12)]]);
  });

  it('a rejected command leaves the state as it was', () => {
    const state = given(ACCEPTED).state;
    const snapshot = structuredClone(state);
    expect(decide(give('AcceptIncident', '2026-11-24 10:00'), state, ctx, instant('2026-11-24 10:00')).kind).toBe('rejected');
    expect(state).toEqual(snapshot);
  });
});

describe('evolve needs nothing but the events', () => {
  const WATER = handler('water_affairs');
  const URBAN = handler('urban_mgmt');
  /** A missing manhole cover: handled within 6 natural hours; dispatch, sign-for and verification run in working hours. */
  const MANHOLE = { category: 'manhole_cover', urgency: 'normal' } as const;
  const reportManhole: Command = {
    type: 'ReportIncident',
    data: {
      reportId: 'rpt-20261124-0002',
      gridCode: GRID,
      ...MANHOLE,
      description: '井盖缺失',
      location: GRID_LOCATION,
      occurredAt: iso('2026-11-24 08:50'),
    },
  };
  /**
   * Unrouted, so that every clock-starting event occurs: a report waiting for dispatch, a dispatch, deadlines missed
   * and the ladder climbing, a suspension over the ladder's next step, a reassignment, a return, a resolution, a
   * rework and the close. A step is a command (with its actor) or the worker's timer ('tick'), at a local time.
   */
  const steps: readonly (readonly [Command | 'tick', Actor, string])[] = [
    [reportManhole, STAFF, '2026-11-24 09:00'],
    [{ type: 'DispatchIncident', data: { department: 'water_affairs' } }, DISPATCHER, '2026-11-24 09:30'],
    ['tick', SYSTEM, '2026-11-24 17:00'],
    [COMMANDS.SuspendIncident.command, DISPATCHER, '2026-11-24 17:10'],
    [COMMANDS.ResumeIncident.command, DISPATCHER, '2026-11-25 10:00'],
    [{ type: 'ReassignIncident', data: { department: 'urban_mgmt', reason: REASON } }, DISPATCHER, '2026-11-25 10:30'],
    [COMMANDS.AcceptIncident.command, URBAN, '2026-11-25 11:00'],
    [COMMANDS.ReturnIncident.command, URBAN, '2026-11-25 11:30'],
    [{ type: 'DispatchIncident', data: { department: 'water_affairs' } }, DISPATCHER, '2026-11-25 11:45'],
    [COMMANDS.AcceptIncident.command, WATER, '2026-11-25 11:50'],
    [COMMANDS.ResolveIncident.command, WATER, '2026-11-25 14:40'],
    [{ type: 'VerifyIncident', data: { passed: false, notes: '井盖未固定' } }, STAFF, '2026-11-25 15:00'],
    ['tick', SYSTEM, '2026-11-25 23:00'],
    [COMMANDS.ResolveIncident.command, WATER, '2026-11-26 09:00'],
    [COMMANDS.VerifyIncident.command, STAFF, '2026-11-26 09:30'],
  ];

  /** The history the worker writes: each step decided on the state its own working copy reached, event by event. */
  function decided(): { readonly events: readonly GridEvent[]; readonly states: readonly Incident[] } {
    let state: IncidentState = initialState;
    const events: GridEvent[] = [];
    const states: Incident[] = [];
    steps.forEach(([command, actor, at], i) => {
      let happened: readonly GridEvent[];
      if (command === 'tick') happened = loggedTick(tick(state, unroutedCtx, instant(at)), state);
      else {
        const given = { ...envelope(command, actor, at), commandId: `1c2d3e4f-5a6b-4c7d-8e9f-${String(i).padStart(12, '0')}` };
        happened = logged(decide(given, state, unroutedCtx, instant(at)), given, state);
      }
      expect(happened.length, `step ${i} (${command === 'tick' ? 'tick' : command.type}) decided nothing`).toBeGreaterThan(0);
      for (const e of happened) {
        state = evolve(state, e);
        events.push(e);
        states.push(state);
      }
    });
    return { events, states };
  }

  /** The clocks of a state as the rules (catalog per category and urgency, policy) measure them. */
  const byTheRules = (s: Incident): Incident => ({
    ...s,
    clocks: s.clocks.map((c) => ({ ...c, measure: measures([c.stage], s)[c.stage] })),
  });

  it('folds a decided history, from its events alone, into the states the decider worked on', () => {
    const { events, states } = decided();
    expect(events.at(-1)?.type).toBe('IncidentClosed');
    const types = new Set(events.map((e) => e.type));
    const starters = ['IncidentReported', 'IncidentDispatched', 'IncidentReassigned', 'IncidentReturned', 'IncidentResolved'] as const;
    for (const type of [...starters, 'IncidentReworkRequested', 'IncidentEscalated', 'IncidentResumed'] as const)
      expect(types).toContain(type);
    const measured = new Set<string>();
    events.forEach((_, i) => {
      const folded = fold(events.slice(0, i + 1));
      expect(folded, `after ${events[i]!.type} (v${i + 1})`).toEqual(states[i]);
      // Each clock runs in the time the rules give its stage: the natural hours of handling a manhole, working time else.
      expect(folded, `clocks after ${events[i]!.type} (v${i + 1})`).toEqual(byTheRules(folded!));
      for (const c of folded!.clocks) measured.add(`${c.stage}:${c.measure}`);
    });
    expect([...measured].sort()).toEqual(['dispatch:working', 'handling:natural', 'sign_for:working', 'verification:working']);
    // The resumption carries the ladder's next step, moved past the suspension; evolve takes it as it is. Handling
    // (6 natural hours from Tuesday 09:30) was missed at 15:30, the next step due a working day later, Wednesday 15:30;
    // parked Tuesday 17:10 with 20 min + 3.5 h + 1 h left, resumed Wednesday 10:00: 2 h to noon, 2 h 50 min from 14:30.
    const at = events.findIndex((e) => e.type === 'IncidentResumed');
    const resumed = events[at];
    if (resumed?.type !== 'IncidentResumed') throw new Error('expected a resumption');
    expect(resumed.data.nextEscalationAt).toBe(iso('2026-11-25 17:20'));
    expect(states[at]!.nextEscalationAt).toBe(Date.parse(iso('2026-11-25 17:20')));
  });

  it('refuses an event that starts a clock without its measure', () => {
    const { events } = decided();
    const starting = events.filter((e) => 'measures' in e.data && e.data.measures !== undefined);
    expect(new Set(starting.map((e) => e.type))).toEqual(
      new Set([
        'IncidentReported',
        'IncidentDispatched',
        'IncidentReassigned',
        'IncidentReturned',
        'IncidentResolved',
        'IncidentReworkRequested',
      ]),
    );
    for (const e of starting) {
      const past = events.slice(0, e.metadata.version - 1);
      const { measures: _measures, ...data } = e.data as { measures?: unknown };
      const without = { ...e, data } as GridEvent;
      expect(() => fold([...past, without]), `${e.type} with no measures`).toThrow(/without its measure/);
      expect(() => fold([...past, { ...e, data: { ...data, measures: {} } } as GridEvent]), `${e.type} with {}`).toThrow(
        /without its measure/,
      );
      // as it was decided, it folds
      expect(() => fold([...past, e])).not.toThrow();
    }
    // A measure for one of the two clocks a dispatch starts is not enough.
    const dispatch = starting.find((e) => e.type === 'IncidentDispatched')!;
    const half = { ...dispatch, data: { ...dispatch.data, measures: { sign_for: 'working' } } } as GridEvent;
    expect(() => fold([...events.slice(0, dispatch.metadata.version - 1), half])).toThrow(/starts the handling clock without its measure/);
  });
});
