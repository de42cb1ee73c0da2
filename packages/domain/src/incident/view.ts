import type { GridEvent } from '@gridgov/contracts';
import type { Catalog } from '../catalog/categories.ts';
import type { Incident } from './state.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** What GET /v1/incidents/:id shows of a case. The reporter of a confidential category is never in it. */
export function incidentView(incidentId: string, s: Incident, catalog: Catalog) {
  const confidential = catalog.category(s.category)?.confidential ?? false;
  return {
    incidentId,
    version: s.version,
    status: s.status,
    gridCode: s.gridCode,
    category: s.category,
    urgency: s.urgency,
    reportedAt: iso(s.reportedAt),
    reporterId: confidential ? null : s.reporterId,
    department: s.department,
    suspended: s.suspendedAt !== null,
    deadlines: s.clocks.map((c) => ({ stage: c.stage, due: iso(c.due), overdue: c.missed })),
    escalationLevel: s.escalationLevel,
    reworkCount: s.reworkCount,
    extensionCount: s.extensionCount,
    pendingExtension: s.pendingExtension,
  };
}
export type IncidentView = ReturnType<typeof incidentView>;

/**
 * One line of a case's history: who did what, when. Reporter identity is left out for confidential categories:
 * so is every grid staff member's, since the reporter is often the one who verifies the case on site.
 */
export function historyEntry(event: GridEvent, catalog: Catalog, category: string) {
  const confidential = catalog.category(category)?.confidential ?? false;
  const hide = confidential && event.type === 'IncidentReported';
  const hideActor = confidential && (hide || event.metadata.actor.role === 'grid_staff');
  const { reporterId: _reporter, ...reportData } = event.type === 'IncidentReported' ? event.data : { reporterId: undefined };
  return {
    version: event.metadata.version,
    type: event.type,
    at: event.metadata.occurredAt,
    actor: hideActor ? { id: 'confidential', role: event.metadata.actor.role } : event.metadata.actor,
    data: hide ? reportData : event.data,
  };
}
export type HistoryEntry = ReturnType<typeof historyEntry>;
