import type { EventMetadata, GridEvent } from './events.ts';
import type { CommandPosition } from './outcomes.ts';

/** What the decider states of an event besides its data, both domain facts: when it happened, and who did it. */
export type EventFacts = Pick<EventMetadata, 'occurredAt' | 'actor'>;

/**
 * An event as the decider returns it: type, data and facts. Where it stands on the log (id, incident, version) and
 * what caused it (command id, position) are the store's to stamp (`stampEvents`). A stored `GridEvent` is one too.
 */
export type DecidedEvent = GridEvent extends infer E
  ? E extends GridEvent
    ? { readonly type: E['type']; readonly data: E['data']; readonly metadata: EventFacts }
    : never
  : never;

/** Where decided events go: the incident's stream after `version`, and the command that caused them (none for a timer's). */
export interface EventStamp {
  readonly incidentId: string;
  /** The incident's version before these events (0 for a new incident). */
  readonly version: number;
  readonly commandId?: string;
  /** Where the command stands on grid.commands: with it a restore knows how far commands were decided (ADR 0009). */
  readonly position?: CommandPosition;
  /** The configuration version the events were decided under (ADR 0024). */
  readonly configVersion?: number;
}

/**
 * Decided events as the log carries them: numbered on from the stamp's version, each with the deterministic id
 * `<incidentId>:<version>` (the same command decided again, after a crash, gives the same ids), the command's id and
 * position. The metadata's fields keep the order they have always had on grid.events.
 */
export function stampEvents(events: readonly DecidedEvent[], stamp: EventStamp): GridEvent[] {
  return events.map((event, i) => {
    const version = stamp.version + 1 + i;
    const metadata: EventMetadata = {
      eventId: `${stamp.incidentId}:${version}`,
      incidentId: stamp.incidentId,
      version,
      occurredAt: event.metadata.occurredAt,
      ...(stamp.commandId ? { commandId: stamp.commandId } : {}),
      actor: event.metadata.actor,
      ...(stamp.position ? { position: stamp.position } : {}),
      ...(stamp.configVersion === undefined ? {} : { configVersion: stamp.configVersion }),
    };
    return { type: event.type, data: event.data, metadata } as GridEvent;
  });
}
