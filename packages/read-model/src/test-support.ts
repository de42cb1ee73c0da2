/** Cases for this package's tests, decided by the real decider. */
import { randomUUID } from 'node:crypto';
import { stampEvents, type CommandEnvelope } from '@gridgov/contracts';
import { decide, evolve, type IncidentState } from '@gridgov/domain';
import { defaultDecisionContext } from '@gridgov/testing';
import { caseChange } from './writer.ts';

export const context = defaultDecisionContext();
export const grid = context.areas.ofLevel('grid')[0]!.code;

/** A case reported and routed by the real decider, as the read side would fold it. */
export function reportedCase(reporterId = 'staff-001', category = 'exposed_rubbish') {
  const incidentId = randomUUID();
  const now = new Date();
  const envelope: CommandEnvelope = {
    commandId: randomUUID(),
    incidentId,
    issuedAt: now.toISOString(),
    actor: { id: reporterId, role: 'grid_staff', areas: [grid] },
    command: {
      type: 'ReportIncident',
      data: {
        reportId: 'r-1',
        gridCode: grid,
        category,
        urgency: 'normal',
        description: '垃圾',
        location: { lat: 22.5, lng: 113 },
        occurredAt: now.toISOString(),
      },
    },
  };
  const decision = decide(envelope, null, context, now);
  if (decision.kind !== 'accepted') throw new Error(decision.rejection.code);
  const events = stampEvents(decision.events, { incidentId, version: 0, commandId: envelope.commandId });
  let state: IncidentState = null;
  for (const e of events) state = evolve(state, e);
  return { incidentId, state: state!, change: caseChange(incidentId, null, state!, events, context.areas) };
}
