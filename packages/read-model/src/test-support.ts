/** Cases for this package's tests, decided by the real decider. */
import { randomUUID } from 'node:crypto';
import { stampEvents, type Actor, type Command, type CommandEnvelope } from '@gridgov/contracts';
import { decide, evolve, type Incident, type IncidentState } from '@gridgov/domain';
import { defaultDecisionContext } from '@gridgov/testing';
import { caseChange, type CaseChange } from './writer.ts';

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
  const { state, change } = decided(envelope, null, now);
  return { incidentId, state, change };
}

/** One command through the real decider, at `now`: the case after it, and the read side's change for its events. */
function decided(envelope: CommandEnvelope, before: IncidentState, now: Date): { state: Incident; change: CaseChange } {
  const decision = decide(envelope, before, context, now);
  if (decision.kind !== 'accepted') throw new Error(`${envelope.command.type}: ${decision.rejection.code}`);
  const events = stampEvents(decision.events, {
    incidentId: envelope.incidentId,
    version: before?.version ?? 0,
    commandId: envelope.commandId,
  });
  let state = before;
  for (const e of events) state = evolve(state, e);
  return { state: state!, change: caseChange(envelope.incidentId, before, state!, events, context.areas) };
}

/**
 * A case lived to its end by the real decider, one command a batch: reported (and routed), signed for, resolved,
 * verified (closed), then, with `erase`, its reporter's data erased by an admin. Each change is what the read side
 * folds for one command, and each command's id is `commandIds`' entry of the same index (the report's first). The
 * report carries the reporter's pseudonym, as the intake seals it (ADR 0016).
 */
export function closedCase(options: { erase?: boolean } = {}): { incidentId: string; changes: CaseChange[]; commandIds: string[] } {
  const { incidentId, state: reported, change } = reportedCase('staff-closing');
  let state: Incident = reported;
  const changes: CaseChange[] = [withReporterRef(change)];
  const commandIds = [change.history[0]!.commandId!];
  const department = state.department;
  if (department === null) throw new Error('the test case was not routed');
  const top = context.areas.lineage(grid).at(-1)!;
  const handler: Actor = { id: 'handler-1', role: 'handler', department, areas: [top] };
  const staff: Actor = { id: 'staff-closing', role: 'grid_staff', areas: [grid] };
  const admin: Actor = { id: 'admin-1', role: 'admin', areas: [top] };
  const commands: [Actor, Command][] = [
    [handler, { type: 'AcceptIncident', data: {} }],
    [handler, { type: 'ResolveIncident', data: { notes: '已清运', photos: [] } }],
    [staff, { type: 'VerifyIncident', data: { passed: true, notes: '', photos: [] } }],
    ...(options.erase ? [[admin, { type: 'EraseIncident', data: { reason: '本人申请删除个人信息' } }] as [Actor, Command]] : []),
  ];
  let now = Date.now();
  for (const [actor, command] of commands) {
    now += 60_000;
    const envelope: CommandEnvelope = { commandId: randomUUID(), incidentId, issuedAt: new Date(now).toISOString(), actor, command };
    const next = decided(envelope, state, new Date(now));
    state = next.state;
    changes.push(next.change);
    commandIds.push(envelope.commandId);
  }
  return { incidentId, changes, commandIds };
}

/** The report's history line with a reporter's pseudonym in its data, as a sealed report has. */
function withReporterRef(change: CaseChange): CaseChange {
  const [report, ...rest] = change.history;
  return { ...change, history: [{ ...report!, data: { ...report!.data, reporterRef: 'ref-of-staff-closing' } }, ...rest] };
}
