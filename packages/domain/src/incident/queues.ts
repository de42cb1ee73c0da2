import type { IncidentView } from './view.ts';
import type { Incident } from './state.ts';

/**
 * The work lists a case can be on, as dispatchers and leaders see them (GET /v1/incidents?area=&queue=):
 * - `new`: reported, waiting for someone to dispatch it (no route did);
 * - `returned`: 退回 by a department, waiting to be dispatched again;
 * - `overdue`: still open with a deadline passed;
 * - `escalated`: still open and 督办 at least once;
 * - `extension`: a department asked for more time, waiting for an answer;
 * - `suspended`: 挂账, its clocks stopped;
 * - `handling`: with a department (dispatched or signed for);
 * - `verifying`: 反馈 given, waiting for grid staff to check it (核查).
 * A case may be on several (overdue and escalated, say); a closed, rejected or merged case is on none.
 */
export const CASE_QUEUES = ['new', 'returned', 'overdue', 'escalated', 'extension', 'suspended', 'handling', 'verifying'] as const;
export type CaseQueue = (typeof CASE_QUEUES)[number];

type QueueFacts = Pick<IncidentView, 'status' | 'deadlines' | 'escalationLevel' | 'pendingExtension' | 'suspended' | 'imported'>;

/** The lists this case is on now, in CASE_QUEUES order. */
export function caseQueues(view: QueueFacts): CaseQueue[] {
  // A legacy case (ADR 0030) is history: nobody works it here, whatever state the legacy system left it in.
  if (view.status === 'closed' || view.status === 'rejected' || view.status === 'merged' || view.imported) return [];
  const on = new Set<CaseQueue>();
  if (view.status === 'reported') on.add('new');
  if (view.status === 'returned') on.add('returned');
  if (view.status === 'dispatched' || view.status === 'accepted') on.add('handling');
  if (view.status === 'resolved') on.add('verifying');
  if (view.status !== 'resolved' && view.deadlines.some((d) => d.overdue)) on.add('overdue');
  if (view.escalationLevel > 0) on.add('escalated');
  if (view.pendingExtension) on.add('extension');
  if (view.suspended) on.add('suspended');
  return CASE_QUEUES.filter((q) => on.has(q));
}

/** What changes in the lists when a case goes from `before` (null: it is new) to `after`. */
export function queueChanges(before: QueueFacts | null, after: QueueFacts): { readonly add: CaseQueue[]; readonly remove: CaseQueue[] } {
  const was = before ? caseQueues(before) : [];
  const is = caseQueues(after);
  return { add: is.filter((q) => !was.includes(q)), remove: was.filter((q) => !is.includes(q)) };
}

/**
 * A handling department's work lists (GET /v1/incidents?department=&queue=), per department and area:
 * - `awaiting_sign_for` (待签收): dispatched to the department, not yet signed for;
 * - `handling` (处置中): signed for, being handled;
 * - `warned` (临期): with the department and a warning sent for a running deadline, none missed yet;
 * - `overdue` (超期): with the department and a deadline missed;
 * - `rework` (返工): sent back by 核查 and being handled again;
 * - `extension_requested` (延期申请中): the department asked for more time, no answer yet.
 * A case is on a department's lists only while it is with the department (dispatched or signed for); a case may be on
 * several (handling and warned, say).
 */
export const DEPARTMENT_QUEUES = ['awaiting_sign_for', 'handling', 'warned', 'overdue', 'rework', 'extension_requested'] as const;
export type DepartmentQueue = (typeof DEPARTMENT_QUEUES)[number];

type DepartmentFacts = Pick<Incident, 'status' | 'department' | 'clocks' | 'reworkCount' | 'pendingExtension' | 'imported'>;

/** The department lists this case is on now, in DEPARTMENT_QUEUES order (none when it is with no department). */
export function departmentQueues(state: DepartmentFacts): DepartmentQueue[] {
  if (state.imported || state.department === null || (state.status !== 'dispatched' && state.status !== 'accepted')) return [];
  const on = new Set<DepartmentQueue>();
  on.add(state.status === 'dispatched' ? 'awaiting_sign_for' : 'handling');
  if (state.clocks.some((c) => c.missed)) on.add('overdue');
  else if (state.clocks.some((c) => c.warned > 0)) on.add('warned');
  if (state.status === 'accepted' && state.reworkCount > 0) on.add('rework');
  if (state.pendingExtension) on.add('extension_requested');
  return DEPARTMENT_QUEUES.filter((q) => on.has(q));
}

/** A department list a case is on: the department and the queue. */
export interface DepartmentListing {
  readonly department: string;
  readonly queue: DepartmentQueue;
}

/** What changes in the department lists when a case goes from `before` (null: new) to `after` (its department may change). */
export function departmentQueueChanges(
  before: DepartmentFacts | null,
  after: DepartmentFacts,
): { readonly add: DepartmentListing[]; readonly remove: DepartmentListing[] } {
  const listings = (s: DepartmentFacts | null): DepartmentListing[] =>
    s && s.department !== null ? departmentQueues(s).map((queue) => ({ department: s.department!, queue })) : [];
  const same = (a: DepartmentListing) => (b: DepartmentListing) => a.department === b.department && a.queue === b.queue;
  const was = listings(before);
  const is = listings(after);
  return { add: is.filter((l) => !was.some(same(l))), remove: was.filter((l) => !is.some(same(l))) };
}
