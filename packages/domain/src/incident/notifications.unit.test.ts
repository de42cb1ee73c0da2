import { type GridEvent, type Notification } from '@gridgov/contracts';
import { describe, expect, it } from 'vitest';
import { notificationsFor } from './notifications.ts';
import { type Incident } from './state.ts';
import {
  areas,
  catalog,
  continuing,
  DISPATCHER,
  dispatched,
  dispatchMeasures,
  event,
  fold,
  GRID,
  handler,
  history,
  HUICHENG,
  INCIDENT,
  iso,
  measures,
  reported,
  STAFF,
  SYSTEM,
  TONGDE,
  SANITATION,
  DISPATCHED,
  accepted,
  resolved,
  ACCEPTED,
} from './test-support.ts';

/*
 * Given the events so far, when the next event happens, then these notifications go to the gateway:
 * who receives them, what kind, and the Chinese text (times in Shanghai local time).
 */

const GRID_NAME = '同德社区第1网格';
const CASE = `${GRID_NAME}「暴露垃圾」案件`;

/** The notifications of the last of `events`, with the state it left. */
function notified(events: readonly GridEvent[]): Notification[] {
  const last = events[events.length - 1]!;
  return notificationsFor(last, fold(events) as Incident, areas, catalog);
}

/** The notification of one event, with the fields every notification takes from its event and its case (urgency). */
const from = (e: GridEvent, rest: Pick<Notification, 'recipient' | 'kind' | 'message'>): Notification => ({
  notificationId: e.metadata.eventId,
  incidentId: INCIDENT,
  at: e.metadata.occurredAt,
  urgency: 'normal',
  ...rest,
});

describe('notificationsFor', () => {
  it('the fixture grid is named as the messages expect', () => {
    expect(areas.find(GRID)?.name).toBe(GRID_NAME);
  });

  it('a dispatch tells the department its sign-for and handling deadlines', () => {
    const e = DISPATCHED[1]!;
    expect(notified(DISPATCHED)).toEqual([
      from(e, {
        recipient: { role: 'handler', department: 'sanitation' },
        kind: 'dispatched',
        message: `新派遣：${CASE}，请于11月24日 11:00前签收，11月25日 09:00前处置完毕。`,
      }),
    ]);
  });

  it('a reassignment tells the new department', () => {
    const events = continuing(
      DISPATCHED,
      event(
        'IncidentReassigned',
        {
          from: 'sanitation',
          department: 'urban_mgmt',
          reason: '职责调整',
          signForDue: iso('2026-11-24 12:00'),
          handlingDue: iso('2026-11-25 10:00'),
          measures: dispatchMeasures(),
        },
        '2026-11-24 10:00',
        DISPATCHER,
      ),
    );
    const all = [...DISPATCHED, ...events];
    expect(notified(all)).toEqual([
      from(events[0]!, {
        recipient: { role: 'handler', department: 'urban_mgmt' },
        kind: 'dispatched',
        message: `新派遣：${CASE}，请于11月24日 12:00前签收，11月25日 10:00前处置完毕。`,
      }),
    ]);
  });

  it.each([
    ['sign_for', '签收', { role: 'handler', department: 'sanitation' }],
    ['handling', '处置', { role: 'handler', department: 'sanitation' }],
    ['verification', '核查', { role: 'grid_staff', area: GRID }],
    ['dispatch', '派遣', { role: 'dispatcher', area: GRID }],
  ] as const)('a %s warning goes to whoever must act (%s)', (stage, name, recipient) => {
    const all = history(
      ...DISPATCHED,
      event('DeadlineWarned', { stage, due: iso('2026-11-24 11:00'), fraction: 0.8, assignee: 'x' }, '2026-11-24 10:36', SYSTEM),
    );
    expect(notified(all)).toEqual([
      from(all[2]!, { recipient, kind: 'warning', message: `临期预警：${CASE}${name}时限已过80%，截止11月24日 11:00。` }),
    ]);
  });

  it.each([
    ['sign_for', '签收'],
    ['handling', '处置'],
  ] as const)('a missed %s deadline is an overdue notice to the department', (stage, name) => {
    const all = history(...DISPATCHED, event('DeadlineMissed', { stage, due: iso('2026-11-24 11:00') }, '2026-11-24 11:00', SYSTEM));
    expect(notified(all)).toEqual([
      from(all[2]!, {
        recipient: { role: 'handler', department: 'sanitation' },
        kind: 'overdue',
        message: `超期提醒：${CASE}${name}已超期（截止11月24日 11:00）。`,
      }),
    ]);
  });

  it.each(['dispatch', 'verification'] as const)('a missed %s deadline notifies nobody by itself', (stage) => {
    const all = history(...DISPATCHED, event('DeadlineMissed', { stage, due: iso('2026-11-24 11:00') }, '2026-11-24 11:00', SYSTEM));
    expect(notified(all)).toEqual([]);
  });

  it('an automatic escalation goes to the leaders of the area it reached', () => {
    const all = history(
      ...DISPATCHED,
      event(
        'IncidentEscalated',
        { level: 2, area: HUICHENG.code, manual: false, reason: '超期自动督办 overdue', nextAt: iso('2026-11-27 09:00') },
        '2026-11-26 09:00',
        SYSTEM,
      ),
    );
    expect(notified(all)).toEqual([
      from(all[2]!, {
        recipient: { role: 'leader', area: HUICHENG.code },
        kind: 'escalated',
        message: `督办：${CASE}超期未办结，已升级至会城街道（第2级）。`,
      }),
    ]);
  });

  it('an escalation by hand says the command centre raised it', () => {
    const all = history(
      ...DISPATCHED,
      event(
        'IncidentEscalated',
        { level: 1, area: TONGDE.code, manual: true, reason: '群众反映强烈', nextAt: null },
        '2026-11-24 10:00',
        DISPATCHER,
      ),
    );
    expect(notified(all)).toEqual([
      from(all[2]!, {
        recipient: { role: 'leader', area: TONGDE.code },
        kind: 'escalated',
        message: `督办：${CASE}由指挥中心督办，已升级至同德社区（第1级）。`,
      }),
    ]);
  });

  it('a return tells the dispatchers why', () => {
    const all = history(
      ...DISPATCHED,
      event(
        'IncidentReturned',
        { department: 'sanitation', reason: '不属于本单位职责', dispatchDue: iso('2026-11-24 12:00'), measures: measures(['dispatch']) },
        '2026-11-24 10:00',
        SANITATION,
      ),
    );
    expect(notified(all)).toEqual([
      from(all[2]!, {
        recipient: { role: 'dispatcher', area: GRID },
        kind: 'returned',
        message: `退回：${CASE}被退回，原因：不属于本单位职责。`,
      }),
    ]);
  });

  it('a resolution asks the grid to verify on site, and a failed verification sends the department back to work', () => {
    const awaitingVerification = history(
      ...ACCEPTED,
      resolved('2026-11-24 16:00', { handlingMs: 16_200_000, verificationDue: '2026-11-25 16:00' }),
    );
    expect(notified(awaitingVerification)).toEqual([
      from(awaitingVerification[3]!, {
        recipient: { role: 'grid_staff', area: GRID },
        kind: 'resolved',
        message: `待核查：${CASE}已处置，请于11月25日 16:00前现场核查。`,
      }),
    ]);
    const reworked = history(
      ...awaitingVerification,
      event(
        'IncidentReworkRequested',
        { notes: '仍有垃圾', reworkCount: 1, handlingDue: iso('2026-11-26 10:00'), measures: measures(['handling']) },
        '2026-11-25 10:00',
        STAFF,
      ),
    );
    expect(notified(reworked)).toEqual([
      from(reworked[4]!, {
        recipient: { role: 'handler', department: 'sanitation' },
        kind: 'rework',
        message: `返工：${CASE}核查未通过，请于11月26日 10:00前重新处置。`,
      }),
    ]);
  });

  it.each<[string, GridEvent]>([
    ['IncidentAccepted', accepted('2026-11-24 09:30')],
    [
      'ExtensionRequested',
      event('ExtensionRequested', { unit: 'working_days', amount: 1, reason: '需协调' }, '2026-11-24 09:30', SANITATION),
    ],
    ['IncidentSuspended', event('IncidentSuspended', { reason: '待拆迁' }, '2026-11-24 09:30', DISPATCHER)],
    ['IncidentRejected', event('IncidentRejected', { reason: '重复上报' }, '2026-11-24 09:30', DISPATCHER)],
  ])('%s notifies nobody', (_, e) => {
    expect(notified(history(...DISPATCHED, e))).toEqual([]);
  });

  it('a report notifies nobody', () => {
    expect(notified(DISPATCHED.slice(0, 1))).toEqual([]);
  });

  it('never names the reporter of a confidential lead (涉黑涉恶线索), in any notification', () => {
    const lead = history(
      reported('2026-11-24 09:00', { category: 'gang_crime_lead' }),
      dispatched('2026-11-24 09:00', 'public_security', { signFor: '2026-11-24 11:00', handling: '2026-12-08 09:00' }, 'routing', {
        category: 'gang_crime_lead',
      }),
      event(
        'DeadlineWarned',
        { stage: 'sign_for', due: iso('2026-11-24 11:00'), fraction: 0.5, assignee: 'public_security' },
        '2026-11-24 10:00',
        SYSTEM,
      ),
      accepted('2026-11-24 10:30', 'public_security'),
      resolved('2026-11-24 11:00', { notes: '已核实', handlingMs: 0, verificationDue: '2026-11-25 10:30' }, handler('public_security')),
    );
    const all = lead.flatMap((_, i) => notified(lead.slice(0, i + 1)));
    expect(all.length).toBeGreaterThan(0);
    expect(JSON.stringify(all)).not.toContain(STAFF.id);
  });

  it('names the community of a confidential lead, never its grid (one staff member’s), in every text', () => {
    const lead = history(
      reported('2026-11-24 09:00', { category: 'gang_crime_lead' }),
      dispatched('2026-11-24 09:00', 'public_security', { signFor: '2026-11-24 11:00', handling: '2026-12-08 09:00' }, 'routing', {
        category: 'gang_crime_lead',
      }),
      event(
        'DeadlineWarned',
        { stage: 'sign_for', due: iso('2026-11-24 11:00'), fraction: 0.5, assignee: 'public_security' },
        '2026-11-24 10:00',
        SYSTEM,
      ),
      accepted('2026-11-24 10:30', 'public_security'),
      resolved('2026-11-24 11:00', { notes: '已核实', handlingMs: 0, verificationDue: '2026-11-25 10:30' }, handler('public_security')),
    );
    const all = lead.flatMap((_, i) => notified(lead.slice(0, i + 1)));
    expect(all.map((n) => n.kind)).toEqual(['dispatched', 'warning', 'resolved']);
    for (const n of all) {
      expect(n.message).toContain('同德社区「涉黑涉恶线索」案件');
      expect(n.message).not.toContain(GRID_NAME);
      expect(n.message).not.toContain(GRID);
    }
    // An ordinary case is named by its grid, as before.
    expect(notified(DISPATCHED)[0]!.message).toContain(CASE);
  });
});
