import { z } from 'zod';
import { CommandId, IncidentId, Instant } from './primitives.ts';

/** Where a command stands on grid.commands. */
export const CommandPosition = z.object({ partition: z.number().int().nonnegative(), offset: z.string().regex(/^\d+$/) });
export type CommandPosition = z.infer<typeof CommandPosition>;

/**
 * What became of a command, as the API reports it to the caller. The dispatch worker puts every outcome on
 * grid.outcomes (key: incident id) with the command's position; the read side keeps them for the API (ADR 0009).
 */
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
    position: CommandPosition.optional(),
  }),
  z.object({
    status: z.literal('rejected'),
    commandId: CommandId,
    incidentId: IncidentId,
    decidedAt: Instant,
    actorId: z.string().optional(),
    code: z.string(),
    message: z.string(),
    position: CommandPosition.optional(),
  }),
]);
export type CommandOutcome = z.infer<typeof CommandOutcome>;

/** Redis key where the read side stores a command's outcome (from grid.outcomes) and the API reads it. */
export function outcomeKey(keyPrefix: string, commandId: string): string {
  return `${keyPrefix}:outcome:${commandId}`;
}

/** Redis keys of the case view the read side folds from grid.events for GET /v1/incidents/:id. */
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

/**
 * Redis keys of the read side's fold of one grid.events / grid.outcomes partition (hash tag {c<partition>}): the
 * incidents' states it builds the views from, its checkpoints, and the mark that the partition is whole (ADR 0009).
 * The API reads the marks: while any partition lacks one, the read side is being restored and is not served.
 */
export function caseViewPartitionKeys(keyPrefix: string, partition: number) {
  const tag = `${keyPrefix}:{c${partition}}`;
  return {
    /** Hash: incident id → the incident's state (JSON), as evolve folds it. */
    incidents: `${tag}:incidents`,
    /** Offset of the last grid.events record folded. */
    eventsCheckpoint: `${tag}:checkpoint:events`,
    /** Offset of the last grid.outcomes record folded. */
    outcomesCheckpoint: `${tag}:checkpoint:outcomes`,
    /** Set when what the partition's events (resp. outcomes) give is whole: folded up to the log's end, or never lost. */
    eventsRestored: `${tag}:restored:events`,
    outcomesRestored: `${tag}:restored:outcomes`,
  };
}
