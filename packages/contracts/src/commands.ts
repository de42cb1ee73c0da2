import { z } from 'zod';
import {
  Actor,
  CategoryCode,
  CommandId,
  CommandPhotos,
  DepartmentCode,
  FreeText,
  GridCode,
  IncidentId,
  Instant,
  Location,
  ReportChannel,
  ReportId,
  Urgency,
} from './primitives.ts';

const Reason = FreeText(500, { min: 1, trim: true });

/**
 * A citizen's contact details as their app sent them (GeoReport v2's email, phone, first_name, last_name, device_id,
 * account_id): personal data, sealed on the log as a reporter is (ADR 0016), never in an Open311 answer, never logged.
 */
export const CitizenContact = z
  .object({
    email: FreeText(254, { min: 1, trim: true }).optional(),
    phone: FreeText(40, { min: 1, trim: true }).optional(),
    firstName: FreeText(100, { min: 1, trim: true }).optional(),
    lastName: FreeText(100, { min: 1, trim: true }).optional(),
    deviceId: FreeText(200, { min: 1, trim: true }).optional(),
    accountId: FreeText(200, { min: 1, trim: true }).optional(),
  })
  .strict();
export type CitizenContact = z.infer<typeof CitizenContact>;
const command = <T extends string, D extends z.ZodType>(type: T, data: D) => z.object({ type: z.literal(type), data });

export const ReportIncident = command(
  'ReportIncident',
  z.object({
    reportId: ReportId.describe(
      "The client's own id for this report; a retry with the same id is the same report. Letters and digits of any script and . _ : -, normalised to NFC",
    ),
    gridCode: GridCode.describe("The grid (15 digits) where it was found: one of the reporter's own"),
    category: CategoryCode.describe('A category of the catalog (GET /v1/catalog)'),
    urgency: Urgency,
    description: FreeText(2000, { min: 1 }).describe('What was found; no control characters but tab and newline, no bidi overrides'),
    location: Location.describe('lat, lng and an optional address'),
    occurredAt: Instant.describe("When it was seen: at most REPORT_MAX_AHEAD_S after the intake's clock, not before REPORT_TIME_FLOOR"),
    reportedAt: Instant.optional().describe(
      'When the grid staff made the report on the device (it may arrive hours later); defaults to arrival',
    ),
    photos: CommandPhotos,
    channel: ReportChannel.optional().describe('Set by the Open311 door only: a citizen report, which waits for triage'),
    contact: CitizenContact.optional().describe("Set by the Open311 door only: the citizen's contact details (sealed)"),
    possibleDuplicateOf: z
      .array(IncidentId)
      .max(20)
      .optional()
      .describe('Set by the intake only: open cases the report was proposed as a duplicate of; such a report waits for a dispatcher'),
  }),
);
export type ReportIncident = z.infer<typeof ReportIncident>;

/** 不予立案: a dispatcher turns a report down at triage. */
export const RejectIncident = command('RejectIncident', z.object({ reason: Reason }));
/** 派遣: a dispatcher sends a case awaiting dispatch to a department. */
export const DispatchIncident = command('DispatchIncident', z.object({ department: DepartmentCode }));
/** 改派: a dispatcher moves a dispatched case to another department. */
export const ReassignIncident = command('ReassignIncident', z.object({ department: DepartmentCode, reason: Reason }));
/** 退回: the handling department says the case is not theirs; it goes back to dispatch. */
export const ReturnIncident = command('ReturnIncident', z.object({ reason: Reason }));
/** 签收: the handling department signs for the case. */
export const AcceptIncident = command('AcceptIncident', z.object({}));
/** 反馈: the handling department reports the case handled. */
export const ResolveIncident = command(
  'ResolveIncident',
  z.object({ notes: FreeText(2000, { min: 1, trim: true }), photos: CommandPhotos }),
);
/** 核查: grid staff check on site; passed closes the case, failed sends it back for rework (返工). */
export const VerifyIncident = command(
  'VerifyIncident',
  z.object({ passed: z.boolean(), notes: FreeText(2000, { trim: true }).default(''), photos: CommandPhotos }),
);
/** 延期申请: the handling department asks for more handling time. */
export const RequestExtension = command(
  'RequestExtension',
  z.object({
    unit: z.enum(['working_hours', 'working_days', 'natural_hours']),
    amount: z.number().int().min(1).max(90),
    reason: Reason,
  }),
);
export const ApproveExtension = command('ApproveExtension', z.object({}));
export const DenyExtension = command('DenyExtension', z.object({ reason: Reason }));
/** 挂账: a case that cannot be solved now is parked; its clocks stop. */
export const SuspendIncident = command('SuspendIncident', z.object({ reason: Reason }));
export const ResumeIncident = command('ResumeIncident', z.object({}));
/** 督办: a dispatcher escalates by hand, one level up. */
export const EscalateIncident = command('EscalateIncident', z.object({ reason: Reason }));

/** 删除个人信息: an admin erases a closed or rejected case's personal data (crypto-shredding, ADR 0016); audited. */
export const EraseIncident = command('EraseIncident', z.object({ reason: Reason }));

const Note = FreeText(500, { trim: true }).optional();

/** 合并: a dispatcher merges this case (the duplicate) into the open case `into`; it closes as a duplicate. */
export const MergeIncident = command('MergeIncident', z.object({ into: IncidentId, note: Note }));
/** Undoes a merge before the surviving case closes: the duplicate is its own open case again, awaiting dispatch. */
export const UnmergeIncident = command('UnmergeIncident', z.object({ note: Note }));
/**
 * The surviving case's half of a merge (the intake gives it with MergeIncident): it lists the duplicate and its reporter,
 * who is told when it closes. Refused when the survivor is closed or merged itself.
 */
export const AttachDuplicate = command(
  'AttachDuplicate',
  z.object({ duplicateId: IncidentId, category: CategoryCode, reporterId: z.string().min(1).max(200) }),
);
/** The surviving case's half of an undone merge: refused once it is closed. */
export const DetachDuplicate = command('DetachDuplicate', z.object({ duplicateId: IncidentId }));

export const Command = z.discriminatedUnion('type', [
  ReportIncident,
  RejectIncident,
  DispatchIncident,
  ReassignIncident,
  ReturnIncident,
  AcceptIncident,
  ResolveIncident,
  VerifyIncident,
  RequestExtension,
  ApproveExtension,
  DenyExtension,
  SuspendIncident,
  ResumeIncident,
  EscalateIncident,
  EraseIncident,
  MergeIncident,
  UnmergeIncident,
  AttachDuplicate,
  DetachDuplicate,
]);
export type Command = z.infer<typeof Command>;
export type CommandType = Command['type'];
export const CommandTypes = Command.options.map((o) => o.shape.type.value);

/** What travels on grid.commands, keyed by incidentId. */
export const CommandEnvelope = z.object({
  commandId: CommandId,
  incidentId: IncidentId,
  /** When the API accepted the command (the intake clock). */
  issuedAt: Instant,
  /**
   * The intake's wall clock when it signed the envelope (issuedAt is the domain clock, which tests move). The worker
   * refuses a command appended to grid.commands longer than COMMAND_MAX_AGE_MS after it (ADR 0019); absent only on
   * envelopes that are never signed.
   */
  signedAt: Instant.optional(),
  actor: Actor,
  command: Command,
  /**
   * The configuration version (grid.config, ADR 0024) the intake checked the command against: the worker decides it
   * under that version or a later one, so a report in a grid just added is not refused by a worker a moment behind.
   */
  configVersion: z.number().int().min(0).optional(),
  /**
   * The intake's signature over the canonical JSON of the rest of the envelope (ADR 0006):
   * `hs256:<base64url HMAC-SHA256>`. The dispatch worker decides nothing that is not signed.
   */
  signature: z.string().max(200).optional(),
});
export type CommandEnvelope = z.infer<typeof CommandEnvelope>;
