import type { Catalog } from '@gridgov/domain';
import type { HistoryEntry, IncidentView } from '@gridgov/read-model';
import type { Open311ServiceRequest } from './answers.ts';

export type { Open311ServiceRequest } from './answers.ts';

/** What the citizen is told at once, after POST requests.{format}. */
export const SERVICE_NOTICE =
  '已收到，待受理: received; a dispatcher will accept it (受理) or turn it down (不予立案) before it is handled';

/** A case that came in through the Open311 door: its report line names the channel (in clear, even after erasure). */
export function reportLineOf(lines: readonly HistoryEntry[]): HistoryEntry | undefined {
  const report = lines.find((l) => l.type === 'IncidentReported');
  const channel = report?.data['channel'] as { via?: unknown } | undefined;
  return channel?.via === 'open311' ? report : undefined;
}

const lastOf = (lines: readonly HistoryEntry[], type: HistoryEntry['type']) => lines.filter((l) => l.type === type).at(-1);
const textOf = (value: unknown): string | null => (typeof value === 'string' && value.length > 0 ? value : null);

/** open or closed, and why, from the case's state: what a citizen may know of how their request goes. */
function statusOf(
  view: IncidentView,
  lines: readonly HistoryEntry[],
  departmentName: string | null,
): Pick<Open311ServiceRequest, 'status' | 'status_notes'> {
  if (view.suspended) return { status: 'open', status_notes: '挂账: accepted, handling paused for now' };
  switch (view.status) {
    case 'reported':
      return { status: 'open', status_notes: '待受理: waiting for a dispatcher' };
    case 'returned':
      return { status: 'open', status_notes: '待重新派遣: accepted, being sent to the right department' };
    case 'dispatched':
      return { status: 'open', status_notes: `已受理: accepted and sent to ${departmentName ?? 'a department'}` };
    case 'accepted':
      return { status: 'open', status_notes: `处置中: ${departmentName ?? 'the department'} is handling it` };
    case 'resolved':
      return { status: 'open', status_notes: '已处置: handled, being checked on site (核查)' };
    case 'closed':
      return { status: 'closed', status_notes: '已结案: handled and checked on site' };
    case 'rejected': {
      const reason = textOf(lastOf(lines, 'IncidentRejected')?.data['reason']);
      return { status: 'closed', status_notes: reason ? `不予立案: ${reason}` : '不予立案: not taken up' };
    }
    case 'merged':
      // The same problem was reported before: it is handled as that case (ADR 0032).
      return { status: 'closed', status_notes: '已合并: the same problem was reported before and is handled as one case with it' };
    default: {
      const unknown: never = view.status;
      throw new Error(`open311: unhandled status ${String(unknown)}`);
    }
  }
}

/** When the stage the case is in is due: handling while a department has it, dispatch while it waits for triage. */
function expectedOf(view: IncidentView): string | null {
  if (view.status === 'closed' || view.status === 'rejected') return null;
  const stage = view.status === 'reported' || view.status === 'returned' ? 'dispatch' : 'handling';
  return view.deadlines.find((d) => d.stage === stage)?.due ?? null;
}

/**
 * The case as a citizen's app sees it: what was reported, where, its status and when. Nothing personal: not the
 * citizen's contact details, nor who worked on the case. `lines` is the case's history, opened.
 */
export function serviceRequestOf(
  view: IncidentView,
  report: HistoryEntry,
  lines: readonly HistoryEntry[],
  catalog: Catalog,
): Open311ServiceRequest {
  const department = view.department === null ? null : (catalog.department(view.department)?.name ?? view.department);
  const location = report.data['location'] as { lat?: unknown; lng?: unknown; address?: unknown } | undefined;
  return {
    service_request_id: view.incidentId,
    ...statusOf(view, lines, department),
    service_name: catalog.category(view.category)?.name ?? view.category,
    service_code: view.category,
    description: textOf(report.data['description']),
    agency_responsible: department,
    service_notice: view.status === 'reported' ? SERVICE_NOTICE : null,
    requested_datetime: view.reportedAt,
    updated_datetime: lines.at(-1)?.at ?? report.at,
    expected_datetime: expectedOf(view),
    address: textOf(location?.address),
    address_id: view.gridCode,
    zipcode: null,
    lat: typeof location?.lat === 'number' ? location.lat : null,
    long: typeof location?.lng === 'number' ? location.lng : null,
    media_url: null,
  };
}
