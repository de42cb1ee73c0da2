import type { IncidentView } from './view.ts';

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
 * A case may be on several (overdue and escalated, say); a closed or rejected case is on none.
 */
export const CASE_QUEUES = ['new', 'returned', 'overdue', 'escalated', 'extension', 'suspended', 'handling', 'verifying'] as const;
export type CaseQueue = (typeof CASE_QUEUES)[number];

type QueueFacts = Pick<IncidentView, 'status' | 'deadlines' | 'escalationLevel' | 'pendingExtension' | 'suspended'>;

/** The lists this case is on now, in CASE_QUEUES order. */
export function caseQueues(view: QueueFacts): CaseQueue[] {
  if (view.status === 'closed' || view.status === 'rejected') return [];
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
