import {
  AcceptIncident,
  ApproveExtension,
  DenyExtension,
  DispatchIncident,
  EraseIncident,
  EscalateIncident,
  ReassignIncident,
  RejectIncident,
  ReportIncident,
  RequestExtension,
  ResolveIncident,
  ResumeIncident,
  ReturnIncident,
  SuspendIncident,
  VerifyIncident,
  type AreaLevel,
  type Command,
} from '@gridgov/contracts';
import type { AreaLevel as DomainAreaLevel } from '@gridgov/domain';
import { errorAnswer } from '@gridgov/http';
import { z } from 'zod';

// The answers' area levels are the domain's: this fails to compile when they part ways.
const _levels: [AreaLevel, DomainAreaLevel] extends [DomainAreaLevel, AreaLevel] ? true : false = true;

/**
 * What the intake's command and outcome routes validate (the case lists' and directory's beside their routes);
 * /openapi.json is written from them. The headers' schema keeps every other header (it replaces request.headers).
 */
export const CommandHeaders = z.looseObject({
  'idempotency-key': z
    .string()
    .min(8)
    .max(128)
    .optional()
    .describe("A client's key for retrying a command safely: the same key from the same caller on the same case is the same command"),
});

/** Routes for the commands on an existing incident: POST /v1/incidents/:id/<action>. */
export const INCIDENT_COMMANDS: readonly {
  path: string;
  schema: z.ZodObject<{ type: z.ZodLiteral<Command['type']>; data: z.ZodType }>;
  /** Who does it and what it is (the OpenAPI summary). */
  summary: string;
}[] = [
  { path: 'reject', schema: RejectIncident, summary: '不予立案: a dispatcher rejects a case before dispatch' },
  { path: 'dispatch', schema: DispatchIncident, summary: '派遣: a dispatcher dispatches a case no route dispatched, or one returned' },
  { path: 'reassign', schema: ReassignIncident, summary: '改派: a dispatcher moves a case to another department' },
  { path: 'return', schema: ReturnIncident, summary: '退回: the handling department sends a case back to dispatch' },
  { path: 'accept', schema: AcceptIncident, summary: '签收: the handling department signs for a case' },
  { path: 'resolve', schema: ResolveIncident, summary: '反馈: the handling department reports a case handled' },
  {
    path: 'verify',
    schema: VerifyIncident,
    summary: '核查: the reporting grid staff verify; passed closes (结案), failed sends it back (返工)',
  },
  {
    path: 'extension-requests',
    schema: RequestExtension,
    summary: '延期申请: the handling department asks for more time, before the handling deadline',
  },
  { path: 'extension-requests/approve', schema: ApproveExtension, summary: 'A dispatcher approves the extension asked for' },
  { path: 'extension-requests/deny', schema: DenyExtension, summary: 'A dispatcher denies the extension asked for' },
  { path: 'suspend', schema: SuspendIncident, summary: '挂账: a dispatcher suspends a case; its clocks stop' },
  { path: 'resume', schema: ResumeIncident, summary: 'A dispatcher resumes a suspended case' },
  {
    path: 'erase',
    schema: EraseIncident,
    summary:
      "删除个人信息: an admin erases a closed or rejected case's personal data (its key is shredded; the figures stay), with the reason; audited",
  },
  { path: 'escalate', schema: EscalateIncident, summary: '督办 by hand: a dispatcher escalates a case one level up' },
];

export const IncidentParams = z.object({ id: z.uuid() });

/** A grid staff member's report: the channel and a citizen's contact are the Open311 door's alone (ADR 0028). */
export const ReportBody = ReportIncident.shape.data.omit({ channel: true, contact: true, possibleDuplicateOf: true });

export const CommandParams = z.object({ id: z.uuid() });

/** The error answers the routes document beside 400 (and the 401, 403, 429 of every route with a token). */
export const StoreOrKafkaAway = errorAnswer(
  'Kafka or Redis did not answer in time (KAFKA_UNAVAILABLE, STORE_UNAVAILABLE), or the case views are being restored (STATE_RESTORING); Retry-After',
);
export const StoreAway = errorAnswer(
  'Redis did not answer in time (STORE_UNAVAILABLE), or the case views are being restored (STATE_RESTORING); Retry-After',
);
export const NoSuchIncident = errorAnswer('No such incident, or not one the caller may see (UNKNOWN_INCIDENT)');
export const NoSuchArea = errorAnswer('No such area (AREA_NOT_FOUND)');
export const OutcomeQuery = z.object({
  waitMs: z.coerce
    .number()
    .int()
    .min(0)
    .max(30_000)
    .default(0)
    .describe('How long to wait for the outcome, in ms (at most MAX_OUTCOME_WAIT_MS); 202 pending after that'),
});
