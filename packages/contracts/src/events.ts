import { z } from 'zod';
import { CommandPosition } from './outcomes.ts';
import {
  ReportChannel,
  CategoryCode,
  CommandId,
  DepartmentCode,
  EventActor,
  GridCode,
  IncidentId,
  Instant,
  Location,
  EventPhotoRef,
  Urgency,
} from './primitives.ts';

/** Photos an event carries (keys and hashes; absent on events written before photos existed). */
const Photos = z.array(EventPhotoRef).optional();

export const EventMetadata = z.object({
  eventId: z.string().min(1),
  incidentId: IncidentId,
  /** Per-incident version: 1, 2, 3, ... Consumers apply version n only after n - 1. */
  version: z.number().int().positive(),
  /**
   * Business time of the change. A command's events occur when the dispatch worker decides the command (its clock), a
   * timer's when its deadline fell due, an imported case's when the old system says.
   */
  occurredAt: Instant,
  commandId: CommandId.optional(),
  /** Who did it; a grid staff member's id is sealed (ADR 0016). */
  actor: EventActor,
  /**
   * Where the command that produced the event stands on grid.commands (absent for a timer's events): with it the
   * dispatch worker recovers how far it had decided from grid.events alone (ADR 0009).
   */
  position: CommandPosition.optional(),
  /**
   * The configuration version (grid.config, ADR 0024) the event was decided under: areas, catalog, routing, calendar
   * and policy as they stood then. Absent on events written before configuration was versioned (version 0: the files).
   */
  configVersion: z.number().int().min(0).optional(),
});
export type EventMetadata = z.infer<typeof EventMetadata>;

/** Working time follows the office calendar; natural time is the wall clock. */
export const Measure = z.enum(['working', 'natural']);
export type Measure = z.infer<typeof Measure>;

/**
 * In which time each clock an event starts runs. Recorded when the deadline is set, so that a state is a pure fold
 * of the events: evolve needs no catalog or policy, and a later change to either does not change the past. Each event
 * names exactly the stages it starts.
 */
const measuresOf = <S extends 'dispatch' | 'sign_for' | 'handling' | 'verification'>(...stages: S[]) =>
  z.strictObject(Object.fromEntries(stages.map((s) => [s, Measure])) as Record<S, typeof Measure>);
export type StageMeasures = Partial<Record<'dispatch' | 'sign_for' | 'handling' | 'verification', Measure>>;

const event = <T extends string, D extends z.ZodType>(type: T, data: D) =>
  z.object({ type: z.literal(type), data, metadata: EventMetadata });

export const IncidentReported = event(
  'IncidentReported',
  z.object({
    /** Sealed on the log (ADR 0016), as reporterId. */
    reportId: z.string(),
    reporterId: z.string(),
    /**
     * The reporter's keyed pseudonym (HMAC with the service secret): the read side indexes a reporter's own list by it
     * without learning who. Set by the dispatch worker when it seals the event; absent on events from before.
     */
    reporterRef: z.string().max(100).optional(),
    gridCode: GridCode,
    category: CategoryCode,
    urgency: Urgency,
    description: z.string(),
    location: Location,
    /**
     * True when the location lies outside the boundary of the grid the report names (the report is accepted all the
     * same: a grid worker may report what they saw over the road); absent when it lies inside or the grid has no
     * boundary. ADR 0025.
     */
    locationOutsideGrid: z.literal(true).optional(),
    occurredAt: Instant,
    /** Report time: the figures count the case in the window of this instant. */
    reportedAt: Instant,
    /** When the report reached the system (a phone may deliver it hours after reportedAt). */
    receivedAt: Instant.optional(),
    /** Set when no route dispatched the case at once: a dispatcher must, by then. */
    dispatchDue: Instant.optional(),
    /** Set with dispatchDue. */
    measures: measuresOf('dispatch').optional(),
    photos: Photos,
    /** A citizen report through the Open311 door (ADR 0028): the client app it came from. */
    channel: ReportChannel.optional(),
    /** The citizen's contact details, each field sealed on the log (ADR 0016) as the reporter is. */
    contact: z
      .object({
        email: z.string().optional(),
        phone: z.string().optional(),
        firstName: z.string().optional(),
        lastName: z.string().optional(),
        deviceId: z.string().optional(),
        accountId: z.string().optional(),
      })
      .optional(),
    /** Open cases the intake proposed this report as a duplicate of (重复上报): it waits for a dispatcher. */
    possibleDuplicateOf: z.array(IncidentId).optional(),
  }),
);
export type IncidentReported = z.infer<typeof IncidentReported>;

/** The deadlines a stage of the case runs against. */
export const Stage = z.enum(['dispatch', 'sign_for', 'handling', 'verification']);
export type Stage = z.infer<typeof Stage>;

const Deadlines = z.object({ signForDue: Instant, handlingDue: Instant, measures: measuresOf('sign_for', 'handling') });

export const IncidentRejected = event('IncidentRejected', z.object({ reason: z.string() }));
export type IncidentRejected = z.infer<typeof IncidentRejected>;

export const IncidentDispatched = event(
  'IncidentDispatched',
  z.object({
    department: DepartmentCode,
    /** 'routing' when the routing table chose, 'dispatcher' when a person did. */
    by: z.enum(['routing', 'dispatcher']),
    ...Deadlines.shape,
  }),
);
export type IncidentDispatched = z.infer<typeof IncidentDispatched>;

export const IncidentReassigned = event(
  'IncidentReassigned',
  z.object({ from: DepartmentCode, department: DepartmentCode, reason: z.string(), ...Deadlines.shape }),
);
export type IncidentReassigned = z.infer<typeof IncidentReassigned>;

export const IncidentReturned = event(
  'IncidentReturned',
  z.object({ department: DepartmentCode, reason: z.string(), dispatchDue: Instant, measures: measuresOf('dispatch') }),
);
export type IncidentReturned = z.infer<typeof IncidentReturned>;

export const IncidentAccepted = event('IncidentAccepted', z.object({ department: DepartmentCode }));
export type IncidentAccepted = z.infer<typeof IncidentAccepted>;

export const IncidentResolved = event(
  'IncidentResolved',
  z.object({
    notes: z.string(),
    photos: Photos,
    /** Working time from first dispatch to this resolution, suspended time excluded (平均处置时长). */
    handlingMs: z.number().int().nonnegative(),
    verificationDue: Instant,
    measures: measuresOf('verification'),
  }),
);
export type IncidentResolved = z.infer<typeof IncidentResolved>;

export const IncidentReworkRequested = event(
  'IncidentReworkRequested',
  z.object({
    notes: z.string(),
    reworkCount: z.number().int().positive(),
    handlingDue: Instant,
    measures: measuresOf('handling'),
    photos: Photos,
  }),
);
export type IncidentReworkRequested = z.infer<typeof IncidentReworkRequested>;

export const IncidentClosed = event(
  'IncidentClosed',
  z.object({
    /** Every handling deadline (sign-for and handling, extensions counted) was met. */
    onTime: z.boolean(),
    handlingMs: z.number().int().nonnegative(),
    /** The verifier's photos (核查), when the check passed. */
    photos: Photos,
  }),
);
export type IncidentClosed = z.infer<typeof IncidentClosed>;

export const ExtensionRequested = event(
  'ExtensionRequested',
  z.object({ unit: z.enum(['working_hours', 'working_days', 'natural_hours']), amount: z.number().int().positive(), reason: z.string() }),
);
export type ExtensionRequested = z.infer<typeof ExtensionRequested>;

export const ExtensionApproved = event('ExtensionApproved', z.object({ previousDue: Instant, handlingDue: Instant }));
export type ExtensionApproved = z.infer<typeof ExtensionApproved>;

export const ExtensionDenied = event('ExtensionDenied', z.object({ reason: z.string() }));
export type ExtensionDenied = z.infer<typeof ExtensionDenied>;

export const IncidentSuspended = event('IncidentSuspended', z.object({ reason: z.string() }));
export type IncidentSuspended = z.infer<typeof IncidentSuspended>;

export const IncidentResumed = event(
  'IncidentResumed',
  z.object({
    suspendedAt: Instant,
    /** The open stages' deadlines, moved later by the suspended time. */
    deadlines: z.array(z.object({ stage: Stage, due: Instant })),
    /** The escalation ladder's next step, moved past the suspension by the working time it had left; null when none. */
    nextEscalationAt: Instant.nullable(),
  }),
);
export type IncidentResumed = z.infer<typeof IncidentResumed>;

/** 临期预警: a fraction of a stage's time has passed. */
export const DeadlineWarned = event(
  'DeadlineWarned',
  z.object({
    stage: Stage,
    due: Instant,
    fraction: z.number().gt(0).lt(1),
    assignee: z.string(),
    /** Time left, in the stage's own unit: hours for deadlines set in hours, working days for those set in days. */
    remaining: z.object({ amount: z.number().nonnegative(), unit: z.enum(['hours', 'working_days']) }).optional(),
  }),
);
export type DeadlineWarned = z.infer<typeof DeadlineWarned>;

/** 超期: a stage's deadline passed with the stage still open. */
export const DeadlineMissed = event('DeadlineMissed', z.object({ stage: Stage, due: Instant }));
export type DeadlineMissed = z.infer<typeof DeadlineMissed>;

/** 督办: the case is raised to the leaders of an area above it. */
export const IncidentEscalated = event(
  'IncidentEscalated',
  z.object({
    level: z.number().int().min(1).max(4),
    area: z.string(),
    manual: z.boolean(),
    reason: z.string(),
    /** When the next automatic escalation falls if the case stays overdue; null when none is scheduled. */
    nextAt: Instant.nullable(),
  }),
);
export type IncidentEscalated = z.infer<typeof IncidentEscalated>;

/**
 * 删除个人信息: the case's data key was shredded (an admin's erasure command, or the retention policy): its personal
 * fields on the log and every copy can no longer be read. The figures do not change. The event is the audit record:
 * who (actor), when (occurredAt), which case, why.
 */
export const IncidentErased = event('IncidentErased', z.object({ reason: z.string(), trigger: z.enum(['admin', 'retention']) }));
export type IncidentErased = z.infer<typeof IncidentErased>;

/**
 * 历史案件导入: a case of a legacy system, brought in whole by `pnpm import-cases` (ADR 0030). One event holds the case
 * as the legacy system left it: it is history, not work. It starts no deadline, escalates nothing, notifies no one,
 * and no command applies to it; the figures count it in the window of its report time like any other case. Its id is
 * a UUIDv5 of the source and the legacy case id, and it is always version 1, so an import run twice changes nothing.
 * It carries no personal data: the importer drops a legacy file's reporter columns.
 */
export const IncidentImported = event(
  'IncidentImported',
  z.object({
    /** Where it came from: the mapping's source name, the legacy case id, and its line in the file imported. */
    imported: z.object({ source: z.string().min(1).max(100), legacyId: z.string().min(1).max(200), line: z.number().int().positive() }),
    gridCode: GridCode,
    category: CategoryCode,
    urgency: Urgency,
    /** Report time: the figures count the case in the window of this instant. */
    reportedAt: Instant,
    /** First dispatched (立案/派遣); absent when the legacy system never dispatched it. */
    dispatchedAt: Instant.optional(),
    /** The department that handled it (last); absent when never dispatched. */
    department: DepartmentCode.optional(),
    resolvedAt: Instant.optional(),
    closedAt: Instant.optional(),
    /** How many times the legacy system sent it back for rework (返工). */
    reworkCount: z.number().int().nonnegative(),
    /**
     * The legacy system's 是否按期: for a closed case, closed within its deadlines; for a case still open there, whether
     * it was still within them (false: overdue, 超期). Absent when the legacy file says nothing.
     */
    onTime: z.boolean().optional(),
    /** Natural time from dispatch to resolution (or closure), ms; 0 when either is unknown. */
    handlingMs: z.number().int().nonnegative(),
  }),
);
export type IncidentImported = z.infer<typeof IncidentImported>;

/** 合并: the case was merged into the open case `into` as a duplicate: it is closed as one, its clocks stop. */
export const IncidentMerged = event('IncidentMerged', z.object({ into: IncidentId, note: z.string().optional() }));
export type IncidentMerged = z.infer<typeof IncidentMerged>;

/** The merge was undone: the case is its own again, open and awaiting dispatch against a new dispatch deadline. */
export const IncidentUnmerged = event(
  'IncidentUnmerged',
  z.object({ from: IncidentId, note: z.string().optional(), dispatchDue: Instant, measures: measuresOf('dispatch') }),
);
export type IncidentUnmerged = z.infer<typeof IncidentUnmerged>;

/** A duplicate was merged into this case: its reporter (sealed, ADR 0016) follows it and is told when it closes. */
export const DuplicateAttached = event('DuplicateAttached', z.object({ duplicateId: IncidentId, reporterId: z.string() }));
export type DuplicateAttached = z.infer<typeof DuplicateAttached>;

/** A merge into this case was undone. */
export const DuplicateDetached = event('DuplicateDetached', z.object({ duplicateId: IncidentId }));
export type DuplicateDetached = z.infer<typeof DuplicateDetached>;

export const GridEvent = z.discriminatedUnion('type', [
  IncidentReported,
  IncidentRejected,
  IncidentDispatched,
  IncidentReassigned,
  IncidentReturned,
  IncidentAccepted,
  IncidentResolved,
  IncidentReworkRequested,
  IncidentClosed,
  ExtensionRequested,
  ExtensionApproved,
  ExtensionDenied,
  IncidentSuspended,
  IncidentResumed,
  DeadlineWarned,
  DeadlineMissed,
  IncidentEscalated,
  IncidentErased,
  IncidentImported,
  IncidentMerged,
  IncidentUnmerged,
  DuplicateAttached,
  DuplicateDetached,
]);
export type GridEvent = z.infer<typeof GridEvent>;
export type GridEventType = GridEvent['type'];
