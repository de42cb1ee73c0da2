import { envelopeSignatureProblem } from '@gridgov/auth';
import {
  CommandEnvelope,
  stampEvents,
  type CommandOutcome,
  type CommandPosition,
  type DecidedEvent,
  type EventStamp,
  type GridEvent,
  type Topics,
} from '@gridgov/contracts';
import {
  incidentDecider,
  loggableActorId,
  notificationsFor,
  type DecisionContext,
  type Incident,
  type IncidentState,
} from '@gridgov/domain';
import { sealEvent, type Pseudonyms } from '@gridgov/crypto';
import type { TraceSpan } from '@gridgov/telemetry';
import { deadLetter, partitionOf, type IncomingRecord, type PartitionBatch } from '@gridgov/kafka';
import type { Logger } from '@gridgov/runtime';
import type { OutboxEntry } from './partition-store.ts';

export type ParsedRecord =
  | { readonly ok: true; readonly record: IncomingRecord; readonly envelope: CommandEnvelope }
  | { readonly ok: false; readonly record: IncomingRecord; readonly reason: string };

/** Where a command record was read: its topic and partition, and how many partitions the topic has. */
export interface CommandPlace {
  readonly topic: string;
  readonly partition: number;
  readonly partitions: number;
}

/**
 * Validates a command record: first that the intake signed exactly this JSON for this topic and key with one of
 * `signingKeys` (ADR 0006: nothing unsigned is believed, not even its command id), then its schema, then that it
 * stands on the partition its key maps to (ADR 0019: each partition keeps its own state, so a copy on another would
 * fork the case). The reason names what is wrong.
 */
export function parseCommandRecord(record: IncomingRecord, signingKeys: readonly string[], place: CommandPlace): ParsedRecord {
  if (!record.value) return { ok: false, record, reason: 'empty record value' };
  let json: unknown;
  try {
    json = JSON.parse(record.value.toString('utf8'));
  } catch {
    return { ok: false, record, reason: 'record value is not JSON' };
  }
  const unsigned = envelopeSignatureProblem(json, signingKeys, { topic: place.topic, key: record.key ?? '' });
  if (unsigned) return { ok: false, record, reason: unsigned };
  const parsed = CommandEnvelope.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    return { ok: false, record, reason: `record does not match CommandEnvelope: ${issues}` };
  }
  if (record.key !== parsed.data.incidentId) {
    return { ok: false, record, reason: `record key ${String(record.key)} is not the incident id ${parsed.data.incidentId}` };
  }
  const home = partitionOf(parsed.data.incidentId, place.partitions);
  if (home !== place.partition) {
    return {
      ok: false,
      record,
      reason: `the command stands on partition ${place.partition} of ${place.topic}, but its key maps to partition ${home}: a copy produced to another partition is not decided`,
    };
  }
  if (parsed.data.signedAt === undefined) return { ok: false, record, reason: 'the command envelope carries no signedAt' };
  return { ok: true, record, envelope: parsed.data };
}

/**
 * What the batch seals events with (ADR 0016): the data keys of the cases it may touch (loaded before), a maker of
 * new ones, and the pseudonyms. Absent for a worker built without encryption (tests older than it).
 */
export interface BatchSealing {
  readonly keys: Map<string, Buffer>;
  readonly createKey: () => Buffer;
  readonly pseudonyms: Pseudonyms;
}

/**
 * Why a command is too old to decide, or undefined (ADR 0019): the time from the intake signing it (signedAt, its wall
 * clock) to the broker appending it (the record's timestamp: grid.commands keeps LogAppendTime, which no producer
 * sets) is over `maxAgeMs`. Judged from the record alone, a command read again later (a restore, a rebalance, a
 * worker back after hours) gets the same answer as the first time.
 */
export function commandAgeProblem(envelope: CommandEnvelope, record: IncomingRecord, maxAgeMs: number): string | undefined {
  const appended = Number(record.timestamp);
  const signed = Date.parse(envelope.signedAt ?? '');
  if (!Number.isFinite(appended) || !Number.isFinite(signed)) return 'the command has no usable signing or append time';
  const age = appended - signed;
  if (age <= maxAgeMs) return undefined;
  return (
    `the command was signed at ${new Date(signed).toISOString()} and reached the commands topic at ` +
    `${new Date(appended).toISOString()}, ${Math.round(age / 1000)} s later: more than the ${Math.round(maxAgeMs / 1000)} s ` +
    'a command may take (COMMAND_MAX_AGE_MS). A replay, or a command held back: give it again'
  );
}

/** A command found too old: why, and how to set it aside when its id was decided already (a replay of it). */
export interface Expired {
  readonly reason: string;
  readonly setAside: (reason: string) => void;
}

/**
 * Decides one partition's work in order, each item against the state its predecessors left:
 * commands from the batch, or ticks of incidents whose timers fell due.
 * Returns the new states, the commands decided, the timers to set and everything to send.
 */
export class BatchDecider {
  private readonly current: Map<string, IncidentState>;
  readonly states = new Map<string, Incident>();
  readonly decided = new Map<string, string>();
  readonly timers = new Map<string, number | null>();
  readonly outbox: OutboxEntry[] = [];
  /** Data keys of the cases this batch reported: to store durably (grid.keys) before anything sealed with them is. */
  readonly newKeys = new Map<string, Buffer>();
  /** Cases this batch erased: their keys are to be shredded. */
  readonly erased: string[] = [];

  constructor(
    loaded: ReadonlyMap<string, IncidentState>,
    /** Command ids decided before this batch: a repeat of one is not decided again. */
    private readonly decidedBefore: ReadonlySet<string>,
    private readonly ctx: DecisionContext,
    private readonly topics: Topics,
    private readonly now: Date,
    private logger: Logger,
    private readonly sealing: BatchSealing | null = null,
  ) {
    this.current = new Map(loaded);
  }

  /** How a command's issuer is named on grid.outcomes: by pseudonym (only they may read the outcome). */
  private issuer(actorId: string): string {
    return this.sealing ? this.sealing.pseudonyms.person(actorId) : actorId;
  }

  /** The event as grid.events carries it: personal fields sealed under the case's key (ADR 0016). */
  private sealed(event: GridEvent, state: Incident): GridEvent {
    if (!this.sealing) return event;
    const id = event.metadata.incidentId;
    let key = this.sealing.keys.get(id) ?? null;
    if (!key && event.type === 'IncidentReported') {
      key = this.sealing.createKey();
      this.sealing.keys.set(id, key);
      this.newKeys.set(id, key);
    }
    return sealEvent(event, { key, confidential: this.ctx.catalog.isConfidential(state.category), pseudonyms: this.sealing.pseudonyms });
  }

  deadLetter(batch: Pick<PartitionBatch, 'topic' | 'partition'>, record: IncomingRecord, reason: string): void {
    this.logger.warn({ incidentId: record.key, partition: batch.partition, offset: record.offset, reason }, 'command set aside to the DLQ');
    const letter = deadLetter('dispatch-worker', batch, record, reason, this.now);
    this.outbox.push({
      topic: this.topics.dlq,
      key: `${letter.topic}/${letter.partition}/${letter.offset}`,
      value: JSON.stringify(letter),
    });
  }

  /**
   * Decides a command read at `position` of grid.commands, unless its id was decided already (its first outcome
   * stands) or it is `expired` (ADR 0019): then it is refused with a COMMAND_EXPIRED outcome and decides nothing; an
   * expired copy of a command decided already is set aside to the DLQ, its first outcome left as it was.
   */
  command(envelope: CommandEnvelope, position: CommandPosition, expired?: Expired, trace?: TraceSpan): void {
    if (!trace) return this.decideCommand(envelope, position, expired);
    // The command's trace on every line about it, and on every record it causes (ADR 0026).
    const start = this.outbox.length;
    const logger = this.logger;
    this.logger = logger.child(trace.logFields);
    try {
      this.decideCommand(envelope, position, expired);
    } finally {
      this.logger = logger;
    }
    for (let i = start; i < this.outbox.length; i++) this.outbox[i] = { ...this.outbox[i]!, traceparent: trace.traceparent };
  }

  private decideCommand(envelope: CommandEnvelope, position: CommandPosition, expired?: Expired): void {
    const { incidentId, commandId } = envelope;
    const state = this.current.get(incidentId) ?? null;
    // Grid staff on a confidential category are not named in logs (举报人保护).
    const category = envelope.command.type === 'ReportIncident' ? envelope.command.data.category : state?.category;
    const actor = loggableActorId(envelope.actor, category, this.ctx.catalog);
    const log = { incidentId, commandId, command: envelope.command.type, actor, offset: position.offset };
    if (this.decidedBefore.has(commandId) || this.decided.has(commandId)) {
      if (expired) {
        expired.setAside(`a replay of command ${commandId}, decided already: ${expired.reason}`);
        return;
      }
      // A retry (same Idempotency-Key, same report id) or a record produced twice: its first outcome stands.
      this.logger.info(log, 'command repeated: decided already, nothing new');
      return;
    }
    if (expired) {
      const outcome: CommandOutcome = {
        status: 'rejected',
        commandId,
        incidentId,
        decidedAt: this.now.toISOString(),
        actorId: envelope.actor.id,
        code: 'COMMAND_EXPIRED',
        message: expired.reason,
        position,
      };
      this.logger.warn({ ...log, code: outcome.code, reason: expired.reason }, 'command refused: too old, nothing decided');
      this.decided.set(commandId, outcome.status);
      this.outbox.push({ topic: this.topics.outcomes, key: incidentId, value: JSON.stringify(outcome) });
      return;
    }
    const decision = incidentDecider.decide(envelope, state, this.ctx, this.now);
    const decidedAt = this.now.toISOString();
    let outcome: CommandOutcome;
    if (decision.kind === 'rejected') {
      outcome = {
        status: 'rejected',
        commandId,
        incidentId,
        decidedAt,
        actorId: this.issuer(envelope.actor.id),
        ...decision.rejection,
        position,
      };
      this.logger.info({ ...log, code: decision.rejection.code }, 'command rejected');
    } else {
      const events = this.record(incidentId, state, decision.events, { commandId, position });
      outcome = {
        status: 'accepted',
        commandId,
        incidentId,
        decidedAt,
        actorId: this.issuer(envelope.actor.id),
        events: events.map((e) => ({ type: e.type, version: e.metadata.version })),
        position,
      };
      this.logger.info(
        { ...log, events: outcome.events.map((e) => `${e.type}#${e.version}`) },
        events.length > 0 ? 'command accepted' : 'command accepted: nothing new',
      );
    }
    this.decided.set(commandId, outcome.status);
    this.outbox.push({ topic: this.topics.outcomes, key: incidentId, value: JSON.stringify(outcome) });
  }

  /** A timer fell due: whatever warnings, missed deadlines and escalations are due by now. */
  tick(incidentId: string): void {
    const state = this.current.get(incidentId) ?? null;
    const events = this.record(incidentId, state, incidentDecider.tick(state, this.ctx, this.now), {});
    if (events.length > 0)
      this.logger.debug({ incidentId, events: events.map((e) => `${e.type}#${e.metadata.version}`) }, 'deadline timer fired');
  }

  /**
   * The store's part: stamps the decided events with where they stand on the incident's stream (id, version) and
   * what caused them (command id and position; none for a timer's), folds them and queues them with their
   * notifications. Returns them as they go to grid.events.
   */
  private record(
    incidentId: string,
    before: IncidentState,
    decided: readonly DecidedEvent[],
    cause: Pick<EventStamp, 'commandId' | 'position'>,
  ): GridEvent[] {
    const events = stampEvents(decided, {
      incidentId,
      version: before?.version ?? 0,
      ...cause,
      ...(this.ctx.configVersion === undefined ? {} : { configVersion: this.ctx.configVersion }),
    });
    let state = before;
    for (const event of events) {
      state = incidentDecider.evolve(state, event);
      this.outbox.push({ topic: this.topics.events, key: incidentId, value: JSON.stringify(this.sealed(event, state)) });
      if (event.type === 'IncidentErased') {
        this.erased.push(incidentId);
        // The audit line: who, when, which case, why.
        this.logger.info(
          { incidentId, actor: event.metadata.actor.id, role: event.metadata.actor.role, at: event.metadata.occurredAt, ...event.data },
          'case erased: its personal data key is shredded',
        );
      }
      for (const n of notificationsFor(event, state, this.ctx.areas, this.ctx.catalog)) {
        this.outbox.push({ topic: this.topics.notifications, key: incidentId, value: JSON.stringify(n) });
      }
    }
    if (!state) return events;
    if (events.length > 0) {
      this.current.set(incidentId, state);
      this.states.set(incidentId, state);
    }
    this.timers.set(incidentId, incidentDecider.nextTimerAt(state, this.ctx));
    return events;
  }
}
