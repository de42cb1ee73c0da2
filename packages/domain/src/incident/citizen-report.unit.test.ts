import type { CommandEnvelope, ReportIncident } from '@gridgov/contracts';
import { describe, expect, it } from 'vitest';
import { open311Actor } from './commands/report.ts';
import { decide } from './decide.ts';
import { evolve } from './evolve.ts';
import { caseQueues } from './queues.ts';
import { COMMAND, ctx, DISPATCHER, GRID, INCIDENT, STAFF } from './test-support.ts';

const NOW = new Date('2026-11-24T01:00:00.000Z');
const APP = open311Actor('fixmystreet');

/** A citizen's request as the Open311 door puts it on the command topic (ADR 0028). */
const citizenReport = (actor = APP, data: Partial<ReportIncident['data']> = {}): CommandEnvelope => ({
  commandId: COMMAND,
  incidentId: INCIDENT,
  issuedAt: '2026-11-24T00:59:58.000Z',
  actor,
  command: {
    type: 'ReportIncident',
    data: {
      reportId: 'o311-0b6c1c56-9a2f',
      gridCode: GRID,
      // Routed to 环卫 at once when grid staff report it.
      category: 'exposed_rubbish',
      urgency: 'normal',
      description: '路边堆放生活垃圾',
      location: { lat: 22.52, lng: 113.03 },
      occurredAt: '2026-11-24T00:59:58.000Z',
      channel: { via: 'open311', client: 'fixmystreet' },
      contact: { email: 'citizen@example.org', phone: '13800000000' },
      ...data,
    },
  },
});

describe("a citizen's report through the Open311 door", () => {
  it('given no case, when the app reports, then the case waits for triage (待派遣), never routed, with channel and contact', () => {
    const decision = decide(citizenReport(), null, ctx, NOW);
    expect(decision.kind).toBe('accepted');
    const events = decision.kind === 'accepted' ? decision.events : [];
    expect(events.map((e) => e.type)).toEqual(['IncidentReported']);
    const reported = events[0]!;
    expect(reported.type === 'IncidentReported' && reported.data).toMatchObject({
      reporterId: 'open311:fixmystreet',
      channel: { via: 'open311', client: 'fixmystreet' },
      contact: { email: 'citizen@example.org', phone: '13800000000' },
    });
    expect(reported.type === 'IncidentReported' && reported.data.dispatchDue).toBeDefined();
  });

  it('then a dispatcher accepts it by dispatching (受理), or turns it down (不予立案)', () => {
    const decision = decide(citizenReport(), null, ctx, NOW);
    if (decision.kind !== 'accepted') throw new Error('not accepted');
    const state = decision.events.reduce(evolve, null as Parameters<typeof evolve>[0]);
    expect(state?.status).toBe('reported');
    const envelope = (type: 'DispatchIncident' | 'RejectIncident', data: object): CommandEnvelope =>
      ({
        commandId: COMMAND,
        incidentId: INCIDENT,
        issuedAt: NOW.toISOString(),
        actor: DISPATCHER,
        command: { type, data },
      }) as CommandEnvelope;
    const dispatched = decide(envelope('DispatchIncident', { department: 'sanitation' }), state, ctx, NOW);
    expect(dispatched.kind === 'accepted' && dispatched.events.map((e) => e.type)).toEqual(['IncidentDispatched']);
    const rejected = decide(envelope('RejectIncident', { reason: '重复上报' }), state, ctx, NOW);
    expect(rejected.kind === 'accepted' && rejected.events.map((e) => e.type)).toEqual(['IncidentRejected']);
  });

  it('is on the dispatchers’ new list (待派遣)', () => {
    expect(caseQueues({ status: 'reported', deadlines: [], escalationLevel: 0, pendingExtension: null, suspended: false })).toEqual([
      'new',
    ]);
  });

  it('when grid staff name the channel, or the app names another app, then it is refused', () => {
    const staff = decide(citizenReport(STAFF), null, ctx, NOW);
    expect(staff.kind === 'rejected' && staff.rejection.code).toBe('FORBIDDEN_ROLE');
    const other = decide(citizenReport(open311Actor('another-app')), null, ctx, NOW);
    expect(other.kind === 'rejected' && other.rejection.code).toBe('FORBIDDEN_ROLE');
  });

  it('when the system reports without a channel, then it is refused as before', () => {
    const { channel: _c, contact: _p, ...plain } = (citizenReport().command as { data: ReportIncident['data'] }).data;
    const envelope = { ...citizenReport(), command: { type: 'ReportIncident' as const, data: plain } };
    const decision = decide(envelope, null, ctx, NOW);
    expect(decision.kind === 'rejected' && decision.rejection.code).toBe('FORBIDDEN_ROLE');
  });

  it('an unknown grid is refused for a citizen as for grid staff', () => {
    const decision = decide(citizenReport(APP, { gridCode: '440705999999999' }), null, ctx, NOW);
    expect(decision.kind === 'rejected' && decision.rejection.code).toBe('UNKNOWN_GRID');
  });
});
