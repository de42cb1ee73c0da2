import { z } from 'zod';
import { CommandId, IncidentId, Instant } from './primitives.ts';

/** What became of a command, as the API reports it to the caller. */
export const CommandOutcome = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('accepted'),
    commandId: CommandId,
    incidentId: IncidentId,
    decidedAt: Instant,
    /** Who gave the command: only they may read its outcome. */
    actorId: z.string().optional(),
    /** Versions of the events the command produced (empty for an idempotent repeat). */
    events: z.array(z.object({ type: z.string(), version: z.number().int() })),
  }),
  z.object({
    status: z.literal('rejected'),
    commandId: CommandId,
    incidentId: IncidentId,
    decidedAt: Instant,
    actorId: z.string().optional(),
    code: z.string(),
    message: z.string(),
  }),
]);
export type CommandOutcome = z.infer<typeof CommandOutcome>;

/** Redis key where the dispatch worker stores a command's outcome and the API reads it. */
export function outcomeKey(keyPrefix: string, commandId: string): string {
  return `${keyPrefix}:outcome:${commandId}`;
}

/** Redis keys of the case view the dispatch worker keeps for GET /v1/incidents/:id. */
export function incidentViewKey(keyPrefix: string, incidentId: string): string {
  return `${keyPrefix}:incident:${incidentId}`;
}
export function incidentHistoryKey(keyPrefix: string, incidentId: string): string {
  return `${keyPrefix}:history:${incidentId}`;
}

/** Redis sorted set of the cases of `area` (any level, the grid's own included) on one work list, scored by report time. */
export function caseQueueKey(keyPrefix: string, area: string, queue: string): string {
  return `${keyPrefix}:cases:${area}:${queue}`;
}
/** Redis sorted set of the cases one person reported, scored by report time. */
export function reporterCasesKey(keyPrefix: string, reporterId: string): string {
  return `${keyPrefix}:reported-by:${reporterId}`;
}
