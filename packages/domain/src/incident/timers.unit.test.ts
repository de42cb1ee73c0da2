import { type GridEvent, type Stage } from '@gridgov/contracts';
import { describe, expect, it } from 'vitest';
import { nextTimerAt, tick } from './timers.ts';
import {
  COMMAND,
  ctx,
  DISPATCHER,
  dispatched,
  dispatchMeasures,
  envelope,
  event,
  fold,
  given,
  GRID,
  history,
  HUICHENG,
  instant,
  iso,
  JIANGMEN_CITY,
  continuing,
  loggedTick,
  measures,
  reported,
  STAFF,
  SYSTEM,
  TONGDE,
  XINHUI_DISTRICT,
  SANITATION,
  DISPATCHED,
  ACCEPTED,
  resolved,
  GRID_LOCATION,
} from './test-support.ts';

/*
 * The deadline timer: `nextTimerAt` says when a case next needs a tick, `tick` emits what fell due by then.
 * Times are Shanghai local time; office hours 08:30–12:00 and 14:30–17:30 (6.5 working hours a day);
 * DEFAULT_POLICY warns at 50% and 80% of a stage's time, escalates at a missed handling deadline and then
 * once more every working day. Tuesday 24 November 2026 is an ordinary working day, as is every weekday
 * of that week and the next.
 */

const OVERDUE_REASON = '超期自动督办 overdue';

const warned = (
  stage: Stage,
  due: string,
  fraction: number,
  at: string,
  assignee = 'sanitation',
  remaining?: { amount: number; unit: 'hours' | 'working_days' },
) => event('DeadlineWarned', { stage, due: iso(due), fraction, assignee, ...(remaining ? { remaining } : {}) }, at, SYSTEM);
const missed = (stage: Stage, due: string) => event('DeadlineMissed', { stage, due: iso(due) }, due, SYSTEM);
const escalated = (level: number, area: string, at: string, nextAt: string | null) =>
  event('IncidentEscalated', { level, area, manual: false, reason: OVERDUE_REASON, nextAt: nextAt && iso(nextAt) }, at, SYSTEM);

/**
 * Everything the timer does to DISPATCHED if nobody acts, in the order it falls due:
 * sign-for (2 h from 09:00) warns at 1 h and 1 h 36 min; handling (6.5 h) warns at 3 h 15 min (3 h to noon,
 * 15 min from 14:30) and 5 h 12 min (16:42); then the ladder climbs a level each working day from the missed
 * handling deadline, over the weekend, to the city. Sign-for is set in hours, so its warnings say the hours
 * left (1 h, then 0.4 h); handling is set in working days, so its warnings say the working days left (0.5, 0.2).
 */
const UNATTENDED: readonly GridEvent[] = [
  warned('sign_for', '2026-11-24 11:00', 0.5, '2026-11-24 10:00', 'sanitation', { amount: 1, unit: 'hours' }),
  warned('sign_for', '2026-11-24 11:00', 0.8, '2026-11-24 10:36', 'sanitation', { amount: 0.4, unit: 'hours' }),
  missed('sign_for', '2026-11-24 11:00'),
  warned('handling', '2026-11-25 09:00', 0.5, '2026-11-24 14:45', 'sanitation', { amount: 0.5, unit: 'working_days' }),
  warned('handling', '2026-11-25 09:00', 0.8, '2026-11-24 16:42', 'sanitation', { amount: 0.2, unit: 'working_days' }),
  missed('handling', '2026-11-25 09:00'),
  escalated(1, TONGDE.code, '2026-11-25 09:00', '2026-11-26 09:00'),
  escalated(2, HUICHENG.code, '2026-11-26 09:00', '2026-11-27 09:00'),
  escalated(3, XINHUI_DISTRICT, '2026-11-27 09:00', '2026-11-30 09:00'),
  escalated(4, JIANGMEN_CITY, '2026-11-30 09:00', null),
];

/** ACCEPTED left alone past its handling deadline: warned, missed, escalated to the community; next step Thursday 09:00. */
const OVERDUE = history(
  ...ACCEPTED,
  warned('handling', '2026-11-25 09:00', 0.5, '2026-11-24 14:45'),
  warned('handling', '2026-11-25 09:00', 0.8, '2026-11-24 16:42'),
  missed('handling', '2026-11-25 09:00'),
  escalated(1, TONGDE.code, '2026-11-25 09:00', '2026-11-26 09:00'),
);

/**
 * Ticks as the worker does, each at the instant nextTimerAt asks for, until it asks for none or for one after `until`.
 * Returns the instants ticked and the events, numbered on from the past.
 */
function runTimer(past: readonly GridEvent[], until: string) {
  let events = [...past];
  const instants: string[] = [];
  for (;;) {
    const next = nextTimerAt(fold(events), ctx);
    if (next === null || next > Date.parse(iso(until))) return { instants, events: events.slice(past.length) };
    instants.push(new Date(next).toISOString());
    const state = fold(events);
    const fired = loggedTick(tick(state, ctx, new Date(Math.ceil(next))), state);
    expect(fired.length).toBeGreaterThan(0);
    events = [...events, ...fired];
  }
}

describe('nextTimerAt and tick on a dispatched case', () => {
  it('the next timer is the 50% warning of the earliest clock: sign-for, 1 working hour after dispatch', () => {
    expect(given(DISPATCHED).nextTimer()).toBe(iso('2026-11-24 10:00'));
  });

  it('a tick before then emits nothing', () => {
    given(DISPATCHED).tickAt(instant('2026-11-24 09:59')).then([]);
  });

  it('a tick at that instant emits exactly one warning, to the department, as the system', () => {
    given(DISPATCHED)
      .tickAt(instant('2026-11-24 10:00'))
      .then(continuing(DISPATCHED, warned('sign_for', '2026-11-24 11:00', 0.5, '2026-11-24 10:00')));
  });

  it('a second tick at the same instant emits nothing, and the next timer moves on to the 80% warning', () => {
    const past = history(...DISPATCHED, warned('sign_for', '2026-11-24 11:00', 0.5, '2026-11-24 10:00'));
    given(past).tickAt(instant('2026-11-24 10:00')).then([]);
    expect(given(past).nextTimer()).toBe(iso('2026-11-24 10:36'));
  });

  it('ticking at each instant nextTimerAt names walks the warnings, missed deadlines and the escalation ladder to the city', () => {
    const { instants, events } = runTimer(DISPATCHED, '2026-12-31 00:00');
    expect(instants).toEqual(
      [
        '2026-11-24 10:00',
        '2026-11-24 10:36',
        '2026-11-24 11:00',
        '2026-11-24 14:45',
        '2026-11-24 16:42',
        '2026-11-25 09:00', // handling missed and escalated to the community together
        '2026-11-26 09:00',
        '2026-11-27 09:00',
        '2026-11-30 09:00', // Friday + 1 working day = Monday
      ].map(iso),
    );
    expect(events).toEqual(continuing(DISPATCHED, ...UNATTENDED));
    expect(given([...DISPATCHED, ...events]).nextTimer()).toBeNull();
  });

  it('one tick long after every deadline emits the same events, in the order they fell due, each exactly once', () => {
    given(DISPATCHED)
      .tickAt(instant('2026-12-31 12:00'))
      .then(continuing(DISPATCHED, ...UNATTENDED));
  });

  it('ticks repeated after that emit nothing more', () => {
    const past = history(...DISPATCHED, ...UNATTENDED);
    given(past).tickAt(instant('2026-12-31 12:00')).then([]);
    given(past).tickAt(instant('2027-06-30 12:00')).then([]);
  });

  it('a tick in the middle emits what fell due so far, and a later one the rest', () => {
    const first = given(DISPATCHED)
      .tickAt(instant('2026-11-26 08:00'))
      .then(continuing(DISPATCHED, ...UNATTENDED.slice(0, 7)));
    const past = [...DISPATCHED, ...first];
    given(past)
      .tickAt(instant('2026-12-01 08:00'))
      .then(continuing(past, ...UNATTENDED.slice(7)));
  });

  it('once signed for, only the handling clock is left: the next timer is its 50% warning at 14:45', () => {
    expect(given(ACCEPTED).nextTimer()).toBe(iso('2026-11-24 14:45'));
  });

  it('a dispatcher’s escalation by hand does not make the ladder repeat a level', () => {
    const past = history(
      ...OVERDUE,
      event(
        'IncidentEscalated',
        { level: 2, area: HUICHENG.code, manual: true, reason: '领导批示', nextAt: iso('2026-11-26 09:00') },
        '2026-11-25 10:00',
        DISPATCHER,
        COMMAND,
      ),
    );
    given(past)
      .tickAt(instant('2026-11-26 09:00'))
      .then(continuing(past, escalated(3, XINHUI_DISTRICT, '2026-11-26 09:00', '2026-11-27 09:00')));
  });
});

describe('the other stages’ clocks', () => {
  it('a case waiting for dispatch warns the dispatchers and misses its dispatch deadline, without escalating', () => {
    const waiting = history(reported('2026-11-24 09:00', { dispatchDue: '2026-11-24 11:00' }));
    expect(given(waiting).nextTimer()).toBe(iso('2026-11-24 10:00'));
    given(waiting)
      .tickAt(instant('2026-11-25 12:00'))
      .then(
        continuing(
          waiting,
          warned('dispatch', '2026-11-24 11:00', 0.5, '2026-11-24 10:00', 'dispatch'),
          warned('dispatch', '2026-11-24 11:00', 0.8, '2026-11-24 10:36', 'dispatch'),
          missed('dispatch', '2026-11-24 11:00'),
        ),
      );
  });

  it('a resolved case warns the grid for verification and misses its verification deadline, without escalating', () => {
    // Resolved Tuesday 16:00, verify within 6.5 h by Wednesday 16:00: 50% is 1.5 h + 1 h 45 min (10:15), 80% 1.5 + 3.5 + 0.2 h (14:42).
    const awaitingVerification = history(
      ...ACCEPTED,
      resolved('2026-11-24 16:00', { handlingMs: 16_200_000, verificationDue: '2026-11-25 16:00' }),
    );
    expect(given(awaitingVerification).nextTimer()).toBe(iso('2026-11-25 10:15'));
    given(awaitingVerification)
      .tickAt(instant('2026-11-26 12:00'))
      .then(
        continuing(
          awaitingVerification,
          warned('verification', '2026-11-25 16:00', 0.5, '2026-11-25 10:15', GRID),
          warned('verification', '2026-11-25 16:00', 0.8, '2026-11-25 14:42', GRID),
          missed('verification', '2026-11-25 16:00'),
        ),
      );
    expect(given(awaitingVerification).nextTimer()).not.toBeNull();
  });
});

describe('cases with no timers', () => {
  const closed = history(
    ...ACCEPTED,
    resolved('2026-11-24 16:00', { handlingMs: 16_200_000, verificationDue: '2026-11-25 16:00' }),
    event('IncidentClosed', { onTime: true, handlingMs: 16_200_000 }, '2026-11-25 10:00', STAFF),
  );
  const rejected = history(
    reported('2026-11-24 09:00', { dispatchDue: '2026-11-24 11:00' }),
    event('IncidentRejected', { reason: '重复上报' }, '2026-11-24 09:10', DISPATCHER),
  );

  it.each([
    ['closed', closed],
    ['rejected', rejected],
  ])('a %s case has no timer and ticks nothing', (_, past) => {
    expect(given(past).nextTimer()).toBeNull();
    given(past).tickAt(instant('2026-12-31 12:00')).then([]);
  });

  it('a closed case that had been escalated climbs no further', () => {
    const past = history(...OVERDUE, event('IncidentClosed', { onTime: false, handlingMs: 0 }, '2026-11-25 10:00', STAFF));
    expect(given(past).nextTimer()).toBeNull();
    given(past).tickAt(instant('2026-12-31 12:00')).then([]);
  });

  it('no incident has no timer', () => {
    expect(nextTimerAt(null, ctx)).toBeNull();
    expect(tick(null, ctx, instant('2026-12-31 12:00'))).toEqual([]);
  });
});

describe('suspended cases (挂账)', () => {
  const suspend = (past: readonly GridEvent[], at: string) =>
    history(...past, event('IncidentSuspended', { reason: '待拆迁' }, at, DISPATCHER, COMMAND));

  it('tick nothing and have no timer, however long they stay parked', () => {
    const parked = suspend(DISPATCHED, '2026-11-24 09:30');
    expect(given(parked).nextTimer()).toBeNull();
    given(parked).tickAt(instant('2026-12-31 12:00')).then([]);
  });

  it('an overdue case parked does not climb the ladder', () => {
    const parked = suspend(OVERDUE, '2026-11-25 10:00');
    expect(given(parked).nextTimer()).toBeNull();
    given(parked).tickAt(instant('2026-12-31 12:00')).then([]);
  });

  it('after resuming, warnings fall at the fractions of the working time that counts', () => {
    // Parked 09:30–14:30 (2.5 working hours). Sign-for had 1.5 h left → due 16:00; its 2 h of time run
    // 09:00–09:30 and 14:30–16:00, so 50% falls at 15:00.
    const resumedAt = '2026-11-24 14:30';
    const past = history(
      ...suspend(DISPATCHED, '2026-11-24 09:30'),
      event(
        'IncidentResumed',
        {
          suspendedAt: iso('2026-11-24 09:30'),
          deadlines: [
            { stage: 'sign_for', due: iso('2026-11-24 16:00') },
            { stage: 'handling', due: iso('2026-11-25 11:30') },
          ],
          // Nothing was overdue: no escalation ladder runs.
          nextEscalationAt: null,
        },
        resumedAt,
        DISPATCHER,
        COMMAND,
      ),
    );
    expect(given(past).nextTimer()).toBe(iso('2026-11-24 15:00'));
    given(past)
      .tickAt(instant('2026-11-24 15:00'))
      .then(continuing(past, warned('sign_for', '2026-11-24 16:00', 0.5, '2026-11-24 15:00')));
  });

  describe('an overdue case parked from Wednesday 17:00 to Monday 08:30', () => {
    const parked = suspend(OVERDUE, '2026-11-25 17:00');

    // The ladder's next step (Thursday 09:00) had 0.5 h + 0.5 h of working time left when parked: Monday 09:30.
    const resumed = event(
      'IncidentResumed',
      { suspendedAt: iso('2026-11-25 17:00'), deadlines: [], nextEscalationAt: iso('2026-11-30 09:30') },
      '2026-11-30 08:30',
      DISPATCHER,
      COMMAND,
    );

    it('resumes with no open deadline to move (handling was missed), the ladder’s next step moved by the time it had left', () => {
      given(parked)
        .when(envelope({ type: 'ResumeIncident', data: {} }, DISPATCHER, '2026-11-30 08:30'))
        .then(continuing(parked, resumed));
    });

    it('climbs the next step of the ladder after the working time it had left: 0.5 h + 0.5 h → Monday 09:30', () => {
      const past = history(...parked, resumed);
      expect(given(past).nextTimer()).toBe(iso('2026-11-30 09:30'));
      given(past).tickAt(instant('2026-11-30 09:29')).then([]);
      given(past)
        .tickAt(instant('2026-11-30 09:30'))
        .then(continuing(past, escalated(2, HUICHENG.code, '2026-11-30 09:30', '2026-12-01 09:30')));
    });
  });
});

describe('a new handling deadline stops the escalation ladder of the old one', () => {
  it('after an extension is approved, the ladder stops and the next timer is the new deadline', () => {
    const past = history(
      ...ACCEPTED,
      event('ExtensionRequested', { unit: 'working_days', amount: 2, reason: '需协调产权单位' }, '2026-11-24 10:00', SANITATION, COMMAND),
      ...OVERDUE.slice(ACCEPTED.length),
      event(
        'ExtensionApproved',
        { previousDue: iso('2026-11-25 09:00'), handlingDue: iso('2026-11-27 09:00') },
        '2026-11-25 10:00',
        DISPATCHER,
        COMMAND,
      ),
    );
    expect(given(past).nextTimer()).toBe(iso('2026-11-27 09:00'));
    given(past).tickAt(instant('2026-11-26 09:00')).then([]);
    // Missed again: one level up from where it stood, and a new ladder from the new deadline.
    given(past)
      .tickAt(instant('2026-11-27 09:00'))
      .then(continuing(past, missed('handling', '2026-11-27 09:00'), escalated(2, HUICHENG.code, '2026-11-27 09:00', '2026-11-30 09:00')));
  });

  it('after a reassignment, the new department has its fresh deadlines before anything climbs', () => {
    // Reassigned Wednesday 10:00: sign for by 12:00, handle by Thursday 10:00 (2 + 3 + 1.5 h);
    // handling warns at 3.25 h (15:45) and 5.2 h (Thursday 08:42).
    const past = history(
      ...OVERDUE,
      event(
        'IncidentReassigned',
        {
          from: 'sanitation',
          department: 'urban_mgmt',
          reason: '职责调整',
          signForDue: iso('2026-11-25 12:00'),
          handlingDue: iso('2026-11-26 10:00'),
          measures: dispatchMeasures(),
        },
        '2026-11-25 10:00',
        DISPATCHER,
        COMMAND,
      ),
    );
    expect(given(past).nextTimer()).toBe(iso('2026-11-25 11:00'));
    const fresh = given(past)
      .tickAt(instant('2026-11-26 09:30'))
      .then(
        continuing(
          past,
          warned('sign_for', '2026-11-25 12:00', 0.5, '2026-11-25 11:00', 'urban_mgmt'),
          warned('sign_for', '2026-11-25 12:00', 0.8, '2026-11-25 11:36', 'urban_mgmt'),
          missed('sign_for', '2026-11-25 12:00'),
          warned('handling', '2026-11-26 10:00', 0.5, '2026-11-25 15:45', 'urban_mgmt'),
          warned('handling', '2026-11-26 10:00', 0.8, '2026-11-26 08:42', 'urban_mgmt'),
        ),
      );
    const after = [...past, ...fresh];
    given(after)
      .tickAt(instant('2026-11-26 10:00'))
      .then(continuing(after, missed('handling', '2026-11-26 10:00'), escalated(2, HUICHENG.code, '2026-11-26 10:00', '2026-11-27 10:00')));
  });

  it('after a return, the case waits for dispatch and climbs no further', () => {
    const past = history(
      ...OVERDUE,
      event(
        'IncidentReturned',
        { department: 'sanitation', reason: '不属于本单位职责', dispatchDue: iso('2026-11-25 12:00'), measures: measures(['dispatch']) },
        '2026-11-25 10:00',
        SANITATION,
        COMMAND,
      ),
    );
    given(past)
      .tickAt(instant('2026-11-30 12:00'))
      .then(
        continuing(
          past,
          warned('dispatch', '2026-11-25 12:00', 0.5, '2026-11-25 11:00', 'dispatch'),
          warned('dispatch', '2026-11-25 12:00', 0.8, '2026-11-25 11:36', 'dispatch'),
          missed('dispatch', '2026-11-25 12:00'),
        ),
      );
  });
});

describe('natural hours and working hours', () => {
  const reportAt = (category: string, at: string) =>
    envelope(
      {
        type: 'ReportIncident',
        data: {
          reportId: 'rpt-20261124-0001',
          gridCode: GRID,
          category,
          urgency: 'normal',
          description: '路边垃圾堆放未清运',
          location: GRID_LOCATION,
          occurredAt: iso(at),
        },
      },
      STAFF,
      at,
    );

  // A missing manhole cover (井盖缺失), normal urgency, must be handled within 6 natural hours; sign-for is
  // 2 working hours. Reported Saturday 28 November 20:00: handling due Sunday 02:00, sign-for Monday 10:30.
  const manhole = history(
    reported('2026-11-28 20:00', { category: 'manhole_cover' }),
    dispatched('2026-11-28 20:00', 'water_affairs', { signFor: '2026-11-30 10:30', handling: '2026-11-29 02:00' }, 'routing', {
      category: 'manhole_cover',
    }),
  );

  it('routes a missing manhole cover on a Saturday night with a wall-clock handling deadline', () => {
    given([])
      .when(reportAt('manhole_cover', '2026-11-28 20:00'))
      .then(history(...manhole));
  });

  it('warns on the wall clock, at night and at the weekend: 50% of 6 h at 23:00, 80% at 00:48', () => {
    expect(given(manhole).nextTimer()).toBe(iso('2026-11-28 23:00'));
    given(manhole)
      .tickAt(instant('2026-11-29 01:00'))
      .then(
        continuing(
          manhole,
          warned('handling', '2026-11-29 02:00', 0.5, '2026-11-28 23:00', 'water_affairs'),
          warned('handling', '2026-11-29 02:00', 0.8, '2026-11-29 00:48', 'water_affairs'),
        ),
      );
  });

  it('misses and escalates on Sunday at 02:00; the working-hours sign-for clock waits for Monday', () => {
    // The next step of the ladder is 1 working day later: all of Monday's office hours, to 17:30.
    const sunday = given(manhole)
      .tickAt(instant('2026-11-29 12:00'))
      .then(
        continuing(
          manhole,
          warned('handling', '2026-11-29 02:00', 0.5, '2026-11-28 23:00', 'water_affairs'),
          warned('handling', '2026-11-29 02:00', 0.8, '2026-11-29 00:48', 'water_affairs'),
          missed('handling', '2026-11-29 02:00'),
          escalated(1, TONGDE.code, '2026-11-29 02:00', '2026-11-30 17:30'),
        ),
      );
    const past = [...manhole, ...sunday];
    expect(given(past).nextTimer()).toBe(iso('2026-11-30 09:30'));
    given(past)
      .tickAt(instant('2026-11-30 18:00'))
      .then(
        continuing(
          past,
          warned('sign_for', '2026-11-30 10:30', 0.5, '2026-11-30 09:30', 'water_affairs'),
          warned('sign_for', '2026-11-30 10:30', 0.8, '2026-11-30 10:06', 'water_affairs'),
          missed('sign_for', '2026-11-30 10:30'),
          escalated(2, HUICHENG.code, '2026-11-30 17:30', '2026-12-01 17:30'),
        ),
      );
  });

  it('exposed rubbish reported at the same time runs on working hours: nothing happens before Monday 09:30', () => {
    // Sign-for Monday 08:30 + 2 h = 10:30; handling 6.5 h = all of Monday, to 17:30.
    const rubbish = history(
      reported('2026-11-28 20:00'),
      dispatched('2026-11-28 20:00', 'sanitation', { signFor: '2026-11-30 10:30', handling: '2026-11-30 17:30' }),
    );
    given([]).when(reportAt('exposed_rubbish', '2026-11-28 20:00')).then(rubbish);
    expect(given(rubbish).nextTimer()).toBe(iso('2026-11-30 09:30'));
    given(rubbish).tickAt(instant('2026-11-30 09:29')).then([]);
  });

  it('working-hours clocks skip the National Day holiday and count the make-up working day (调休)', () => {
    // Dispatched Wednesday 30 September 16:00; 1–7 October are holidays, Saturday 10 October is a working day.
    const past = history(
      reported('2026-09-30 16:00'),
      dispatched('2026-09-30 16:00', 'sanitation', { signFor: '2026-10-08 09:00', handling: '2026-10-08 16:00' }),
    );
    given(past)
      .tickAt(instant('2026-10-05 12:00'))
      .then(continuing(past, warned('sign_for', '2026-10-08 09:00', 0.5, '2026-09-30 17:00')));
    const { instants, events } = runTimer(past, '2026-12-31 00:00');
    expect(instants).toEqual(
      [
        '2026-09-30 17:00',
        '2026-10-08 08:36', // 80% of sign-for: 90 min on the 30th, 6 min on the 8th
        '2026-10-08 09:00',
        '2026-10-08 10:15',
        '2026-10-08 14:42',
        '2026-10-08 16:00',
        '2026-10-09 16:00',
        '2026-10-10 16:00', // Saturday, a make-up working day
        '2026-10-12 16:00',
      ].map(iso),
    );
    expect(events).toEqual(
      continuing(
        past,
        warned('sign_for', '2026-10-08 09:00', 0.5, '2026-09-30 17:00', 'sanitation', { amount: 1, unit: 'hours' }),
        warned('sign_for', '2026-10-08 09:00', 0.8, '2026-10-08 08:36', 'sanitation', { amount: 0.4, unit: 'hours' }),
        missed('sign_for', '2026-10-08 09:00'),
        warned('handling', '2026-10-08 16:00', 0.5, '2026-10-08 10:15', 'sanitation', { amount: 0.5, unit: 'working_days' }),
        warned('handling', '2026-10-08 16:00', 0.8, '2026-10-08 14:42', 'sanitation', { amount: 0.2, unit: 'working_days' }),
        missed('handling', '2026-10-08 16:00'),
        escalated(1, TONGDE.code, '2026-10-08 16:00', '2026-10-09 16:00'),
        escalated(2, HUICHENG.code, '2026-10-09 16:00', '2026-10-10 16:00'),
        escalated(3, XINHUI_DISTRICT, '2026-10-10 16:00', '2026-10-12 16:00'),
        escalated(4, JIANGMEN_CITY, '2026-10-12 16:00', null),
      ),
    );
  });
});
