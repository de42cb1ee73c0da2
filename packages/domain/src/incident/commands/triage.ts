import { type CaseTurn, type CommandData, dispatchDeadlines, rejection } from '../decision.ts';
import type { Rejection } from '../rejection.ts';

/** 不予立案: a dispatcher turns a reported or returned case down. */
export function rejectIncident(data: CommandData<'RejectIncident'>, { actor, t, out }: CaseTurn): Rejection | undefined {
  out.emit('IncidentRejected', { reason: data.reason }, actor, t);
  return undefined;
}

/** 派遣: a dispatcher sends a reported or returned case to a department; its sign-for and handling clocks start. */
export function dispatchIncident(data: CommandData<'DispatchIncident'>, { s, actor, ctx, t, out }: CaseTurn): Rejection | undefined {
  if (!ctx.catalog.department(data.department)) return rejection('UNKNOWN_DEPARTMENT', `no department ${data.department}`);
  out.emit('IncidentDispatched', { department: data.department, by: 'dispatcher', ...dispatchDeadlines(s, ctx, t) }, actor, t);
  return undefined;
}

/** 改派: a dispatcher moves a dispatched or accepted case to another department, with new deadlines. */
export function reassignIncident(data: CommandData<'ReassignIncident'>, { s, actor, ctx, t, out }: CaseTurn): Rejection | undefined {
  const to = data.department;
  if (!ctx.catalog.department(to)) return rejection('UNKNOWN_DEPARTMENT', `no department ${to}`);
  if (to === s.department) return rejection('SAME_DEPARTMENT', `the case is already with ${to}`);
  out.emit(
    'IncidentReassigned',
    { from: s.department ?? '', department: to, reason: data.reason, ...dispatchDeadlines(s, ctx, t) },
    actor,
    t,
  );
  return undefined;
}
