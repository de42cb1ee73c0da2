import { z } from 'zod';
import { IncidentId, Instant, Role, Urgency } from './primitives.ts';

/** What grid.notifications carries: services/notifier delivers each once per recipient and channel (ADR 0022). */
export const Notification = z.object({
  /** The event it announces: a gateway that sees the same id twice sends once. */
  notificationId: z.string(),
  incidentId: IncidentId,
  recipient: z.object({
    role: Role,
    /** Area whose people in that role receive it (leaders, dispatchers, grid staff). */
    area: z.string().optional(),
    /** Department whose handlers receive it. */
    department: z.string().optional(),
    /**
     * One person, by the id their token names (a case's reporter, told of its closure): only they receive it. Set only
     * for reports of a category that is not confidential.
     */
    person: z.string().max(200).optional(),
  }),
  kind: z.enum(['dispatched', 'warning', 'overdue', 'escalated', 'returned', 'rework', 'resolved', 'closed']),
  /** The text to send, in Chinese. */
  message: z.string(),
  /** The case's urgency: a very urgent case's SMS is sent even in quiet hours (absent in records written before it). */
  urgency: Urgency.optional(),
  at: Instant,
});
export type Notification = z.infer<typeof Notification>;
