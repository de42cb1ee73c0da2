import type { Command, CommandEnvelope } from '@gridgov/contracts';
import { authorise, roleMay } from '../access/authorise.ts';
import { approveExtension, denyExtension, requestExtension } from './commands/extension.ts';
import { escalateIncident } from './commands/escalation.ts';
import { acceptIncident, resolveIncident, returnIncident, verifyIncident } from './commands/handling.ts';
import { attachDuplicate, detachDuplicate, mergeIncident, unmergeIncident } from './commands/merge.ts';
import { isCitizenReport, reportIncident } from './commands/report.ts';
import { resumeIncident, suspendIncident } from './commands/suspension.ts';
import { dispatchIncident, reassignIncident, rejectIncident } from './commands/triage.ts';
import { type CaseCommand, type CaseTurn, type Decision, type DecisionContext, denied, Emitter, reject } from './decision.ts';
import type { Rejection } from './rejection.ts';
import type { IncidentState, IncidentStatus } from './state.ts';

export type { Decision, DecisionContext } from './decision.ts';

const ALL: readonly IncidentStatus[] = ['reported', 'rejected', 'dispatched', 'accepted', 'resolved', 'closed', 'returned', 'merged'];

/** Commands a suspended (挂账) case still takes: its resumption, escalation, and a duplicate merged into it or taken out. */
const WHILE_SUSPENDED: readonly CaseCommand['type'][] = [
  'ResumeIncident',
  'EscalateIncident',
  'SuspendIncident',
  'AttachDuplicate',
  'DetachDuplicate',
];

/** In which states each command applies. */
const FROM: Record<CaseCommand['type'], readonly IncidentStatus[]> = {
  RejectIncident: ['reported', 'returned'],
  DispatchIncident: ['reported', 'returned'],
  ReassignIncident: ['dispatched', 'accepted'],
  ReturnIncident: ['dispatched', 'accepted'],
  AcceptIncident: ['dispatched'],
  ResolveIncident: ['accepted'],
  VerifyIncident: ['resolved'],
  RequestExtension: ['dispatched', 'accepted'],
  ApproveExtension: ['dispatched', 'accepted'],
  DenyExtension: ['dispatched', 'accepted'],
  SuspendIncident: ['reported', 'returned', 'dispatched', 'accepted', 'resolved'],
  ResumeIncident: ['reported', 'returned', 'dispatched', 'accepted', 'resolved'],
  EscalateIncident: ['reported', 'returned', 'dispatched', 'accepted', 'resolved'],
  // Personal data goes once the case is over: a case still open needs its reporter (verification, 举报人 contact).
  EraseIncident: ['closed', 'rejected', 'merged'],
  // Merges say themselves why they do not apply (MERGE_REFUSED), whatever the state.
  MergeIncident: ALL,
  UnmergeIncident: ALL,
  AttachDuplicate: ALL,
  DetachDuplicate: ALL,
};

const STATUS_NAMES: Record<IncidentStatus, string> = {
  reported: '已上报 reported',
  rejected: '不予立案 rejected',
  dispatched: '已派遣 dispatched',
  accepted: '已签收 accepted',
  resolved: '已处置 resolved',
  closed: '已结案 closed',
  returned: '已退回 returned',
  merged: '已合并 merged',
};

/**
 * The dispatch decider: given the incident's state and a command, which events happen. The checks every command
 * shares come first (role, the case exists, access, the state admits it, not suspended), then the command's own
 * function (`commands/`). Pure: `now` is the worker's clock, passed in; the calendar comes in the context.
 */
export function decide(envelope: CommandEnvelope, state: IncidentState, ctx: DecisionContext, now: Date): Decision {
  const { command, actor } = envelope;
  const t = now.getTime();
  // Who may do what, where: the access table, the same one the HTTP edge asks (a command produced by any
  // other road meets the same rule here). Jurisdiction comes from the signed envelope's actor.
  if (!roleMay(actor.role, command.type) && !isCitizenReport(envelope)) {
    return reject('FORBIDDEN_ROLE', `${command.type} is not for the ${actor.role} role (${actor.id})`);
  }
  if (command.type === 'ReportIncident') return reportIncident(envelope, command.data, state, ctx, t);
  if (!state) return reject('UNKNOWN_INCIDENT', `no incident ${envelope.incidentId}`);
  // Before anything about the case's state is told: someone outside the case learns nothing of it.
  const access = authorise(
    actor,
    command.type,
    { area: state.gridCode, department: state.department, reporterId: state.reporterId },
    ctx.areas,
  );
  if (!access.allowed) return denied(access);
  if (state.imported)
    return reject('INCIDENT_IMPORTED', `the case was imported from a legacy system: it is history, nothing is decided on it`);
  if (state.erased) return reject('INCIDENT_ERASED', `the case's personal data was erased: nothing more is decided on it`);
  if (!FROM[command.type].includes(state.status)) {
    return reject('INVALID_TRANSITION', `${command.type} does not apply to a case that is ${STATUS_NAMES[state.status]}`);
  }
  // A parked case can be resumed or escalated; a second suspension is told ALREADY_SUSPENDED below.
  if (state.suspendedAt !== null && !WHILE_SUSPENDED.includes(command.type)) {
    return reject('INCIDENT_SUSPENDED', `the case is suspended (挂账); resume it first`);
  }
  const out = new Emitter(state);
  const refused = decideOnCase(command, { id: envelope.incidentId, s: state, actor, ctx, t, out });
  return refused ? { kind: 'rejected', rejection: refused } : { kind: 'accepted', events: out.events };
}

/** The command's own decision, by its function named after it: its events go to `turn.out`, or why it is refused. */
function decideOnCase(command: CaseCommand, turn: CaseTurn): Rejection | undefined {
  switch (command.type) {
    case 'RejectIncident':
      return rejectIncident(command.data, turn);
    case 'DispatchIncident':
      return dispatchIncident(command.data, turn);
    case 'ReassignIncident':
      return reassignIncident(command.data, turn);
    case 'ReturnIncident':
      return returnIncident(command.data, turn);
    case 'AcceptIncident':
      return acceptIncident(command.data, turn);
    case 'ResolveIncident':
      return resolveIncident(command.data, turn);
    case 'VerifyIncident':
      return verifyIncident(command.data, turn);
    case 'RequestExtension':
      return requestExtension(command.data, turn);
    case 'ApproveExtension':
      return approveExtension(command.data, turn);
    case 'DenyExtension':
      return denyExtension(command.data, turn);
    case 'SuspendIncident':
      return suspendIncident(command.data, turn);
    case 'ResumeIncident':
      return resumeIncident(command.data, turn);
    case 'EscalateIncident':
      return escalateIncident(command.data, turn);
    case 'EraseIncident':
      turn.out.emit('IncidentErased', { reason: command.data.reason, trigger: 'admin' }, turn.actor, turn.t);
      return undefined;
    case 'MergeIncident':
      return mergeIncident(command.data, turn);
    case 'UnmergeIncident':
      return unmergeIncident(command.data, turn);
    case 'AttachDuplicate':
      return attachDuplicate(command.data, turn);
    case 'DetachDuplicate':
      return detachDuplicate(command.data, turn);
    default: {
      const unknown: never = command;
      throw new Error(`decide: unhandled command ${(unknown as Command).type}`);
    }
  }
}
