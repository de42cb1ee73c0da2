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
