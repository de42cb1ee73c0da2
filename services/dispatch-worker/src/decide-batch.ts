import { envelopeSignatureProblem } from '@gridgov/auth';
import { CommandEnvelope, type CommandOutcome, type GridEvent, type Topics } from '@gridgov/contracts';
import {
  decide,
  evolve,
  historyEntry,
  incidentView,
  loggableActorId,
  nextTimerAt,
  notificationsFor,
  queueChanges,
  tick,
  type DecisionContext,
  type Incident,
  type IncidentState,
} from '@gridgov/domain';
import { deadLetter, type IncomingRecord, type PartitionBatch } from '@gridgov/kafka';
import type { Logger } from '@gridgov/runtime';
import type { CaseListChange, OutboxEntry } from './partition-store.ts';

export interface DecidedBatch {
  readonly states: Map<string, Incident>;
  readonly timers: Map<string, number | null>;
  readonly outbox: OutboxEntry[];
}

export type ParsedRecord =
  | { readonly ok: true; readonly record: IncomingRecord; readonly envelope: CommandEnvelope }
  | { readonly ok: false; readonly record: IncomingRecord; readonly reason: string };

/**
 * Validates a command record: first that the intake signed exactly this JSON with one of `signingKeys` (ADR 0006:
 * nothing unsigned is believed, not even its command id), then its schema. The reason names what is wrong.
 */
export function parseCommandRecord(record: IncomingRecord, signingKeys: readonly string[]): ParsedRecord {
  if (!record.value) return { ok: false, record, reason: 'empty record value' };
  let json: unknown;
  try {
    json = JSON.parse(record.value.toString('utf8'));
  } catch {
    return { ok: false, record, reason: 'record value is not JSON' };
  }
  const unsigned = envelopeSignatureProblem(json, signingKeys);
  if (unsigned) return { ok: false, record, reason: unsigned };
  const parsed = CommandEnvelope.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    return { ok: false, record, reason: `record does not match CommandEnvelope: ${issues}` };
  }
  if (record.key !== parsed.data.incidentId) {
    return { ok: false, record, reason: `record key ${String(record.key)} is not the incident id ${parsed.data.incidentId}` };
  }
  return { ok: true, record, envelope: parsed.data };
}

/**
 * Decides one partition's work in order, each item against the state its predecessors left:
 * commands from the batch, or ticks of incidents whose timers fell due.
 * Returns the new states, the timers to set and everything to send.
 */
export class BatchDecider {
  private readonly current: Map<string, IncidentState>;
  readonly states = new Map<string, Incident>();
  readonly timers = new Map<string, number | null>();
  readonly outbox: OutboxEntry[] = [];

  constructor(
    loaded: ReadonlyMap<string, IncidentState>,
    private readonly ctx: DecisionContext,
    private readonly topics: Topics,
    private readonly now: Date,
    private readonly logger: Logger,
  ) {
    this.current = new Map(loaded);
  }

  deadLetter(batch: Pick<PartitionBatch, 'topic' | 'partition'>, record: IncomingRecord, reason: string): void {
    this.logger.warn({ partition: batch.partition, offset: record.offset, reason }, 'command set aside to the DLQ');
    const letter = deadLetter('dispatch-worker', batch, record, reason, this.now);
    this.outbox.push({
      kind: 'record',
      topic: this.topics.dlq,
      key: `${letter.topic}/${letter.partition}/${letter.offset}`,
      value: JSON.stringify(letter),
    });
  }

  command(envelope: CommandEnvelope): void {
    const { incidentId, commandId } = envelope;
    const state = this.current.get(incidentId) ?? null;
    const decision = decide(envelope, state, this.ctx, this.now);
    const decidedAt = this.now.toISOString();
    let outcome: CommandOutcome;
    // Grid staff on a confidential category are not named in logs (举报人保护).
    const category = envelope.command.type === 'ReportIncident' ? envelope.command.data.category : state?.category;
    const actor = loggableActorId(envelope.actor, category, this.ctx.catalog);
    const log = { incidentId, commandId, command: envelope.command.type, actor };
    if (decision.kind === 'rejected') {
      outcome = { status: 'rejected', commandId, incidentId, decidedAt, actorId: envelope.actor.id, ...decision.rejection };
      this.logger.info({ ...log, code: decision.rejection.code }, 'command rejected');
    } else {
      this.record(incidentId, state, decision.events);
      outcome = {
        status: 'accepted',
        commandId,
        incidentId,
        decidedAt,
        actorId: envelope.actor.id,
        events: decision.events.map((e) => ({ type: e.type, version: e.metadata.version })),
      };
      this.logger.info(
        { ...log, events: outcome.events.map((e) => `${e.type}#${e.version}`) },
        decision.events.length > 0 ? 'command accepted' : 'command repeated: nothing new',
      );
    }
    this.outbox.push({ kind: 'outcome', commandId, value: JSON.stringify(outcome) });
  }

  /** A timer fell due: whatever warnings, missed deadlines and escalations are due by now. */
  tick(incidentId: string): void {
    const state = this.current.get(incidentId) ?? null;
    const events = tick(incidentId, state, this.ctx, this.now);
    this.record(incidentId, state, events);
    if (events.length > 0)
      this.logger.info({ incidentId, events: events.map((e) => `${e.type}#${e.metadata.version}`) }, 'deadline timer fired');
  }

  private record(incidentId: string, before: IncidentState, events: readonly GridEvent[]): void {
    let state = before;
    const history: (readonly [number, string])[] = [];
    for (const event of events) {
      state = evolve(state, event, this.ctx);
      this.outbox.push({ kind: 'record', topic: this.topics.events, key: incidentId, value: JSON.stringify(event) });
      history.push([event.metadata.version, JSON.stringify(historyEntry(event))]);
      for (const n of notificationsFor(event, state, this.ctx.areas, this.ctx.catalog)) {
        this.outbox.push({ kind: 'record', topic: this.topics.notifications, key: incidentId, value: JSON.stringify(n) });
      }
    }
    if (!state) return;
    if (events.length > 0) {
      this.current.set(incidentId, state);
      this.states.set(incidentId, state);
      const view = incidentView(incidentId, state);
      const { add, remove } = queueChanges(before ? incidentView(incidentId, before) : null, view);
      const lists: CaseListChange = {
        score: state.reportedAt,
        areas: this.ctx.areas.lineage(state.gridCode),
        add,
        remove,
        ...(before ? {} : { reporterId: state.reporterId }),
      };
      this.outbox.push({ kind: 'view', incidentId, value: JSON.stringify(view), history, lists });
    }
    this.timers.set(incidentId, nextTimerAt(state, this.ctx));
  }
}
