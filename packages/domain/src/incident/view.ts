import type { Actor, GridEvent } from '@gridgov/contracts';
import { authorise } from '../access/authorise.ts';
import type { AreaTree } from '../areas/area-tree.ts';
import type { Catalog } from '../catalog/categories.ts';
import type { Incident } from './state.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * The case as the read side stores it for GET /v1/incidents/:id, reporter included: what each
 * reader sees of it is decided when they read (`visibleIncident`), by the access table.
 */
export function incidentView(incidentId: string, s: Incident) {
  return {
    incidentId,
    version: s.version,
    status: s.status,
    gridCode: s.gridCode,
    /** Present (true) when the report's location lay outside its grid's boundary (ADR 0025). */
    ...(s.locationOutsideGrid ? { locationOutsideGrid: true as const } : {}),
    category: s.category,
    urgency: s.urgency,
    reportedAt: iso(s.reportedAt),
    // An erased case's reporter is gone ('' in the state).
    reporterId: s.reporterId || null,
    department: s.department,
    suspended: s.suspendedAt !== null,
    deadlines: s.clocks.map((c) => ({ stage: c.stage, due: iso(c.due), overdue: c.missed })),
    escalationLevel: s.escalationLevel,
    reworkCount: s.reworkCount,
    extensionCount: s.extensionCount,
    pendingExtension: s.pendingExtension,
    ...(s.imported ? { imported: true } : {}),
    /** The case it was merged into as a duplicate (合并, status `merged`). */
    ...(s.mergedInto ? { mergedInto: s.mergedInto } : {}),
    /** The duplicates merged into this case. */
    mergedDuplicates: (s.duplicates ?? []).map((d) => d.incidentId),
    /** Open cases the intake proposed this report as a duplicate of, for the dispatcher to merge or not. */
    possibleDuplicateOf: [...(s.possibleDuplicateOf ?? [])],
  };
}
export type IncidentView = ReturnType<typeof incidentView>;

/** One line of a case's history as stored: who did what, when, by which command. Unredacted. */
export function historyEntry(event: GridEvent) {
  return {
    version: event.metadata.version,
    type: event.type,
    at: event.metadata.occurredAt,
    actor: event.metadata.actor,
    commandId: event.metadata.commandId ?? null,
    data: event.data as Record<string, unknown>,
  };
}
export type HistoryEntry = ReturnType<typeof historyEntry>;

/** Who reads, and the world their access is judged in. */
export interface Viewer {
  readonly actor: Actor;
  readonly areas: AreaTree;
  readonly catalog: Catalog;
}

/** Whether the category's reports are confidential: the catalog's answer (`Catalog.isConfidential`), for callers holding a catalog. */
export const isConfidential = (catalog: Catalog, category: string): boolean => catalog.isConfidential(category);

/** May this viewer see who reported the case? Always for an open category; for a confidential one, the table says. */
export function canSeeReporter(viewer: Viewer, view: Pick<IncidentView, 'category' | 'gridCode' | 'reporterId'>): boolean {
  if (!viewer.catalog.isConfidential(view.category)) return true;
  const target = { area: view.gridCode, ...(view.reporterId ? { reporterId: view.reporterId } : {}) };
  return authorise(viewer.actor, 'SeeConfidentialReporter', target, viewer.areas).allowed;
}

/**
 * The area a confidential case is named by to whoever may not see its reporter: its grid's community (the grid's
 * parent). A grid is one staff member's, so naming it names the reporter (举报人保护). A code that is not a grid of the
 * tree is given back as it is.
 */
export function communityOf(gridCode: string, areas: AreaTree): string {
  const area = areas.find(gridCode);
  return area?.level === 'grid' && area.parent !== null ? area.parent : gridCode;
}

/**
 * The case as this viewer may see it. A confidential category's reporter is only for the dispatchers of its area (and
 * the reporter); whoever may not see the reporter does not see the grid either: `gridCode` holds the community's code.
 */
export function visibleIncident(view: IncidentView, viewer: Viewer): IncidentView {
  return canSeeReporter(viewer, view) ? view : { ...view, reporterId: null, gridCode: communityOf(view.gridCode, viewer.areas) };
}

const HIDDEN = 'confidential';

/**
 * The history as this viewer may see it. For a confidential category, unless the viewer may see the reporter,
 * the report leaves out the reporter and the client's report id (with the incident id it would let anyone try
 * staff ids until one fits) and names the community instead of the grid, and every grid staff member's identity and
 * command id are hidden too, since the reporter is often the one who verifies the case on site.
 */
export function visibleHistory(
  lines: readonly HistoryEntry[],
  view: Pick<IncidentView, 'category' | 'gridCode' | 'reporterId'>,
  viewer: Viewer,
): HistoryEntry[] {
  if (canSeeReporter(viewer, view)) return [...lines];
  return lines.map((line) => {
    // A lead's photos may show who took them and from where: only for those who may see its reporter.
    const { photos: _photos, ...unpictured } = line.data;
    const report = line.type === 'IncidentReported';
    if (!report && line.actor.role !== 'grid_staff') return 'photos' in line.data ? { ...line, data: unpictured } : line;
    // A citizen's contact details (Open311, ADR 0028) go with the reporter.
    const { reporterId: _reporter, reportId: _reportId, contact: _contact, ...data } = unpictured;
    const shown = typeof data['gridCode'] === 'string' ? { ...data, gridCode: communityOf(data['gridCode'], viewer.areas) } : data;
    return { ...line, actor: { id: HIDDEN, role: line.actor.role }, commandId: null, data: report ? shown : unpictured };
  });
}

/** A photo of a case as its detail lists it: the stage that took it (report, resolution, verification) and when. */
export interface CasePhoto {
  readonly key: string;
  readonly sha256: string;
  readonly contentType: string;
  readonly stage: 'report' | 'resolution' | 'verification';
  readonly at: string;
}

const PHOTO_STAGES: Partial<Record<string, CasePhoto['stage']>> = {
  IncidentReported: 'report',
  IncidentResolved: 'resolution',
  IncidentClosed: 'verification',
  IncidentReworkRequested: 'verification',
};

/**
 * The photos of a case this viewer may see, oldest first: none of a confidential lead's for those who may not see its
 * reporter (the same rule as the reporter's identity).
 */
export function casePhotos(
  lines: readonly HistoryEntry[],
  view: Pick<IncidentView, 'category' | 'gridCode' | 'reporterId'>,
  viewer: Viewer,
): CasePhoto[] {
  if (!canSeeReporter(viewer, view)) return [];
  return lines.flatMap((line) => {
    const stage = PHOTO_STAGES[line.type];
    const photos = line.data['photos'];
    if (!stage || !Array.isArray(photos)) return [];
    return (photos as { key: string; sha256: string; contentType: string }[]).map((p) => ({
      key: p.key,
      sha256: p.sha256,
      contentType: p.contentType,
      stage,
      at: line.at,
    }));
  });
}

/** GET /v1/incidents/:id/audit: who did what, when, with the jurisdiction they acted in and the command. */
export function auditTrail(
  lines: readonly HistoryEntry[],
  view: Pick<IncidentView, 'category' | 'gridCode' | 'reporterId'>,
  viewer: Viewer,
) {
  return visibleHistory(lines, view, viewer).map((l) => ({
    version: l.version,
    at: l.at,
    type: l.type,
    actor: l.actor,
    commandId: l.commandId,
  }));
}
export type AuditEntry = ReturnType<typeof auditTrail>[number];

/**
 * The actor id a log line may carry. Grid staff on a confidential category (or one not known yet) are not
 * named: logs are read by more people than the dispatchers of the area.
 */
export function loggableActorId(actor: Actor, category: string | undefined, catalog: Catalog): string {
  if (actor.role !== 'grid_staff') return actor.id;
  return category !== undefined && !catalog.isConfidential(category) ? actor.id : HIDDEN;
}
