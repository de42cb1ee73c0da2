import { z } from 'zod';
import { Actor, CategoryCode, CommandId, GridCode, IncidentId, Instant, Location, Urgency } from './primitives.ts';

export const ReportIncident = z.object({
  type: z.literal('ReportIncident'),
  data: z.object({
    /** The client's own id for this report; a retry with the same id is the same report. */
    reportId: z.string().min(8).max(64),
    gridCode: GridCode,
    category: CategoryCode,
    urgency: Urgency,
    description: z.string().min(1).max(2000),
    location: Location,
    occurredAt: Instant,
    /** When the grid staff made the report on the device (it may arrive hours later); defaults to arrival. */
    reportedAt: Instant.optional(),
  }),
});
export type ReportIncident = z.infer<typeof ReportIncident>;

export const Command = z.discriminatedUnion('type', [ReportIncident]);
export type Command = z.infer<typeof Command>;
export type CommandType = Command['type'];

/** What travels on grid.commands, keyed by incidentId. */
export const CommandEnvelope = z.object({
  commandId: CommandId,
  incidentId: IncidentId,
  /** When the API accepted the command (the intake clock). */
  issuedAt: Instant,
  actor: Actor,
  command: Command,
});
export type CommandEnvelope = z.infer<typeof CommandEnvelope>;
