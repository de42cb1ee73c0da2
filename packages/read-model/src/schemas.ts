import { EventActor, GridEvent, Measure, Stage, Urgency } from '@gridgov/contracts';
import type {
  AuditEntry as DomainAuditEntry,
  CasePhoto as DomainCasePhoto,
  HistoryEntry as DomainHistoryEntry,
  Incident,
  IncidentView as DomainIncidentView,
} from '@gridgov/domain';
import { z } from 'zod';

/**
 * What the read side stores, as zod schemas: every read parses against them rather than trusting the bytes. The
 * domain's functions (`incidentView`, `historyEntry`, `evolve`) make the values; the checks at the end fail to
 * compile when a schema here and the domain's type part ways.
 */
const IncidentStatus = z.enum(['reported', 'rejected', 'dispatched', 'accepted', 'resolved', 'closed', 'returned', 'merged']);
const ExtensionUnit = z.enum(['working_hours', 'working_days', 'natural_hours']);
const PendingExtension = z.object({ unit: ExtensionUnit, amount: z.number() }).nullable();
const isoOrNull = z.string().nullable();

/** The case as GET /v1/incidents/:id serves it (reporter included; each reader sees what the access table lets them). */
export const IncidentView = z.object({
  incidentId: z.string(),
  version: z.number().int().positive(),
  status: IncidentStatus,
  gridCode: z.string(),
  /** Present (true) when the report's location lay outside its grid's boundary (ADR 0025). */
  locationOutsideGrid: z.literal(true).exactOptional(),
  category: z.string(),
  urgency: Urgency,
  reportedAt: isoOrNull,
  reporterId: z.string().nullable(),
  department: z.string().nullable(),
  suspended: z.boolean(),
  deadlines: z.array(z.object({ stage: Stage, due: isoOrNull, overdue: z.boolean() })),
  escalationLevel: z.number().int(),
  reworkCount: z.number().int(),
  extensionCount: z.number().int(),
  pendingExtension: PendingExtension,
  /** A legacy system's case (ADR 0030): history, on no work list. */
  imported: z.boolean().exactOptional(),
  /** The case it was merged into as a duplicate (合并, status `merged`), ADR 0032. */
  mergedInto: z.string().exactOptional(),
  /** The duplicates merged into this case. A view stored before merges existed reads as none. */
  mergedDuplicates: z.array(z.string()).default([]),
  /** Open cases the intake proposed this report as a duplicate of (重复上报). */
  possibleDuplicateOf: z.array(z.string()).default([]),
});
export type IncidentView = z.infer<typeof IncidentView>;

const EventType = z.enum(GridEvent.options.map((o) => o.shape.type.value) as [GridEvent['type'], ...GridEvent['type'][]]);

/** One line of a case's history (one event): who did what, when, by which command. Unredacted. */
export const HistoryEntry = z.object({
  version: z.number().int().positive(),
  type: EventType,
  at: z.string(),
  actor: EventActor,
  commandId: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
});
export type HistoryEntry = z.infer<typeof HistoryEntry>;

/** A case on a work list or a reporter's list: a member of a sorted set, with its score in the list's order (ADR 0014). */
export const CaseListEntry = z.object({ incidentId: z.string().min(1), score: z.number().int() });
export type CaseListEntry = z.infer<typeof CaseListEntry>;

/** One page of GET /v1/incidents: the cases as the viewer may see them, and where the next page begins. */
export const CasePage = z.object({ items: z.array(IncidentView), nextCursor: z.string().nullable() });
export type CasePage = z.infer<typeof CasePage>;

/** A photo of a case as its detail lists it: the stage that took it and when (GET /v1/incidents/{id}/photos/{key}). */
export const CasePhoto = z.object({
  key: z.string(),
  sha256: z.string(),
  contentType: z.string(),
  stage: z.enum(['report', 'resolution', 'verification']),
  at: z.string(),
});
export type CasePhoto = z.infer<typeof CasePhoto>;

/** GET /v1/incidents/{id}: the case, its history and its photos, as much of each as the viewer may see. */
export const CaseDetail = z.object({ incident: IncidentView, history: z.array(HistoryEntry), photos: z.array(CasePhoto) });
export type CaseDetail = z.infer<typeof CaseDetail>;

/** One line of GET /v1/incidents/{id}/audit: who did what, when, by which command. */
export const AuditEntry = HistoryEntry.pick({ version: true, at: true, type: true, actor: true, commandId: true });
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditTrail = z.object({ incidentId: z.string(), entries: z.array(AuditEntry) });
export type AuditTrail = z.infer<typeof AuditTrail>;

/** The case views' answers by the name they have in components.schemas of the intake's OpenAPI document. */
export const CaseAnswers = { IncidentView, HistoryEntry, CasePage, CaseDetail, CasePhoto, AuditTrail } as const;

/** The incident's state the read side folds its views from (`{c<p>}:incidents`), as `evolve` makes it. */
export const StoredIncident = z.object({
  version: z.number().int().positive(),
  status: IncidentStatus,
  reportId: z.string(),
  reporterId: z.string(),
  // Where evolve puts it: a stored state read back and written again keeps its bytes.
  reporterRef: z.string().exactOptional(),
  gridCode: z.string(),
  locationOutsideGrid: z.literal(true).exactOptional(),
  category: z.string(),
  urgency: Urgency,
  reportedAt: z.number(),
  department: z.string().nullable(),
  firstDispatchedAt: z.number().nullable(),
  clocks: z.array(
    z.object({
      stage: Stage,
      startedAt: z.number(),
      due: z.number(),
      measure: Measure,
      warned: z.number().int(),
      missed: z.boolean(),
    }),
  ),
  missedHandlingDeadline: z.boolean(),
  reworkCount: z.number().int(),
  extensionCount: z.number().int(),
  pendingExtension: PendingExtension,
  suspendedAt: z.number().nullable(),
  suspensions: z.array(z.object({ from: z.number(), to: z.number() })),
  escalationLevel: z.number().int(),
  nextEscalationAt: z.number().nullable(),
  closedAt: z.number().exactOptional(),
  erased: z.boolean().exactOptional(),
  imported: z.boolean().exactOptional(),
  location: z.object({ lat: z.number(), lng: z.number() }).exactOptional(),
  possibleDuplicateOf: z.array(z.string()).exactOptional(),
  mergedInto: z.string().exactOptional(),
  duplicates: z.array(z.object({ incidentId: z.string(), reporterId: z.string() })).exactOptional(),
});

/** Readonly or not is no difference in a stored JSON. */
type Loose<T> = T extends readonly (infer U)[] ? Loose<U>[] : T extends object ? { -readonly [K in keyof T]: Loose<T[K]> } : T;
type Same<A, B> = [Loose<A>] extends [Loose<B>] ? ([Loose<B>] extends [Loose<A>] ? true : false) : false;
const _view: Same<IncidentView, DomainIncidentView> = true;
const _history: Same<HistoryEntry, DomainHistoryEntry> = true;
const _photo: Same<CasePhoto, DomainCasePhoto> = true;
const _audit: Same<AuditEntry, DomainAuditEntry> = true;
const _state: Same<z.infer<typeof StoredIncident>, Incident> = true;
