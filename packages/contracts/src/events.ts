import { z } from 'zod';
import { Actor, CategoryCode, CommandId, DepartmentCode, GridCode, IncidentId, Instant, Location, Urgency } from './primitives.ts';

export const EventMetadata = z.object({
  eventId: z.string().min(1),
  incidentId: IncidentId,
  /** Per-incident version: 1, 2, 3, ... Consumers apply version n only after n - 1. */
  version: z.number().int().positive(),
  /** Business time of the change. */
  occurredAt: Instant,
  commandId: CommandId.optional(),
  actor: Actor,
});
export type EventMetadata = z.infer<typeof EventMetadata>;

const event = <T extends string, D extends z.ZodType>(type: T, data: D) =>
  z.object({ type: z.literal(type), data, metadata: EventMetadata });

export const IncidentReported = event(
  'IncidentReported',
  z.object({
    reportId: z.string(),
    reporterId: z.string(),
    gridCode: GridCode,
    category: CategoryCode,
    urgency: Urgency,
    description: z.string(),
    location: Location,
    occurredAt: Instant,
    /** Report time: the figures count the case in the window of this instant. */
    reportedAt: Instant,
  }),
);
export type IncidentReported = z.infer<typeof IncidentReported>;

export const IncidentDispatched = event(
  'IncidentDispatched',
  z.object({
    department: DepartmentCode,
    /** 'routing' when the routing table chose, 'dispatcher' when a person did. */
    by: z.enum(['routing', 'dispatcher']),
  }),
);
export type IncidentDispatched = z.infer<typeof IncidentDispatched>;

export const GridEvent = z.discriminatedUnion('type', [IncidentReported, IncidentDispatched]);
export type GridEvent = z.infer<typeof GridEvent>;
export type GridEventType = GridEvent['type'];
