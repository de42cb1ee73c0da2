import type { Command, GridEvent } from '@gridgov/contracts';

/**
 * What a recorded event says a person (or the routing table) did, as the command that did it, and when: the replay
 * gives it again at that instant. Timer events (warnings, missed deadlines, automatic 督办, retention erasure) are the
 * rules' own doing and `timer`: the replay's decider works them out afresh. A routing table's dispatch is part of the
 * report's decision (`follows`). A legacy case (IncidentImported) is history that no rule touches (`history`).
 */
export type RecordedAction =
  | { readonly kind: 'command'; readonly command: Command; readonly at: number }
  | { readonly kind: 'timer' }
  | { readonly kind: 'follows' }
  | { readonly kind: 'history' };

const TIMER = { kind: 'timer' } as const;
const at = (e: GridEvent) => Date.parse(e.metadata.occurredAt);
const command = (c: Command, when: number): RecordedAction => ({ kind: 'command', command: c, at: when });

/**
 * The action behind `event`; `next` is the event after it on the case's stream (a report's routing dispatch), and
 * `category` the case's (a merge's survivor half names it: only the same problem merges, ADR 0032).
 */
export function recordedAction(event: GridEvent, next: GridEvent | undefined, category: string): RecordedAction {
  switch (event.type) {
    case 'IncidentReported': {
      const d = event.data;
      // A routed report was decided when its dispatch happened; one waiting for a dispatcher, when it arrived.
      const routed = next?.type === 'IncidentDispatched' && next.data.by === 'routing';
      return command(
        {
          type: 'ReportIncident',
          data: {
            reportId: d.reportId,
            gridCode: d.gridCode,
            category: d.category,
            urgency: d.urgency,
            description: d.description,
            location: d.location,
            occurredAt: d.occurredAt,
            reportedAt: d.reportedAt,
            photos: d.photos ?? [],
            ...(d.channel ? { channel: d.channel } : {}),
            ...(d.contact ? { contact: d.contact } : {}),
          },
        },
        routed ? at(next) : Date.parse(d.receivedAt ?? d.reportedAt),
      );
    }
    case 'IncidentDispatched':
      if (event.data.by === 'routing') return { kind: 'follows' };
      return command({ type: 'DispatchIncident', data: { department: event.data.department } }, at(event));
    case 'IncidentReassigned':
      return command({ type: 'ReassignIncident', data: { department: event.data.department, reason: event.data.reason } }, at(event));
    case 'IncidentReturned':
      return command({ type: 'ReturnIncident', data: { reason: event.data.reason } }, at(event));
    case 'IncidentRejected':
      return command({ type: 'RejectIncident', data: { reason: event.data.reason } }, at(event));
    case 'IncidentAccepted':
      return command({ type: 'AcceptIncident', data: {} }, at(event));
    case 'IncidentResolved':
      return command({ type: 'ResolveIncident', data: { notes: event.data.notes, photos: event.data.photos ?? [] } }, at(event));
    case 'IncidentClosed':
      return command({ type: 'VerifyIncident', data: { passed: true, notes: '', photos: event.data.photos ?? [] } }, at(event));
    case 'IncidentReworkRequested':
      return command(
        { type: 'VerifyIncident', data: { passed: false, notes: event.data.notes, photos: event.data.photos ?? [] } },
        at(event),
      );
    case 'ExtensionRequested':
      return command({ type: 'RequestExtension', data: event.data }, at(event));
    case 'ExtensionApproved':
      return command({ type: 'ApproveExtension', data: {} }, at(event));
    case 'ExtensionDenied':
      return command({ type: 'DenyExtension', data: { reason: event.data.reason } }, at(event));
    case 'IncidentSuspended':
      return command({ type: 'SuspendIncident', data: { reason: event.data.reason } }, at(event));
    case 'IncidentResumed':
      return command({ type: 'ResumeIncident', data: {} }, at(event));
    case 'IncidentEscalated':
      return event.data.manual ? command({ type: 'EscalateIncident', data: { reason: event.data.reason } }, at(event)) : TIMER;
    case 'IncidentErased':
      return event.data.trigger === 'admin' ? command({ type: 'EraseIncident', data: { reason: event.data.reason } }, at(event)) : TIMER;
    case 'DeadlineWarned':
    case 'DeadlineMissed':
      return TIMER;
    case 'IncidentImported':
      return { kind: 'history' };
    // 合并 and its undoing are a dispatcher's, each half on its own case (ADR 0032).
    case 'IncidentMerged':
      return command({ type: 'MergeIncident', data: { into: event.data.into, note: event.data.note } }, at(event));
    case 'IncidentUnmerged':
      return command({ type: 'UnmergeIncident', data: { note: event.data.note } }, at(event));
    case 'DuplicateAttached':
      return command(
        { type: 'AttachDuplicate', data: { duplicateId: event.data.duplicateId, category, reporterId: event.data.reporterId } },
        at(event),
      );
    case 'DuplicateDetached':
      return command({ type: 'DetachDuplicate', data: { duplicateId: event.data.duplicateId } }, at(event));
    default: {
      const unknown: never = event;
      throw new Error(`recordedAction: unhandled event ${(unknown as GridEvent).type}`);
    }
  }
}
