import { CommandEnvelope, type CommandOutcome, type Topics } from '@gridgov/contracts';
import { decide, evolve, type DecisionContext, type IncidentState, type OpenIncident } from '@gridgov/domain';
import { deadLetter, type IncomingRecord, type PartitionBatch } from '@gridgov/kafka';
import type { Logger } from '@gridgov/runtime';
import type { OutboxEntry } from './partition-store.ts';

export interface DecidedBatch {
  readonly states: Map<string, OpenIncident>;
  readonly outbox: OutboxEntry[];
}

export type ParsedRecord =
  | { readonly ok: true; readonly record: IncomingRecord; readonly envelope: CommandEnvelope }
  | { readonly ok: false; readonly record: IncomingRecord; readonly reason: string };

/** Validates a command record against its schema; the reason names what is wrong. */
export function parseCommandRecord(record: IncomingRecord): ParsedRecord {
  if (!record.value) return { ok: false, record, reason: 'empty record value' };
  let json: unknown;
  try {
    json = JSON.parse(record.value.toString('utf8'));
  } catch {
    return { ok: false, record, reason: 'record value is not JSON' };
  }
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
 * Decides a batch of one partition's commands in order, each against the state its predecessors left.
 * Returns the new states and everything to send: events, outcomes and dead letters.
 */
export function decideBatch(
  batch: Pick<PartitionBatch, 'topic' | 'partition'>,
  parsed: readonly ParsedRecord[],
  loaded: ReadonlyMap<string, IncidentState>,
  ctx: DecisionContext,
  topics: Topics,
  now: Date,
  logger: Logger,
): DecidedBatch {
  const current = new Map(loaded);
  const changed = new Map<string, OpenIncident>();
  const outbox: OutboxEntry[] = [];
  const decidedAt = now.toISOString();

  for (const item of parsed) {
    if (!item.ok) {
      logger.warn({ partition: batch.partition, offset: item.record.offset, reason: item.reason }, 'command set aside to the DLQ');
      const letter = deadLetter('dispatch-worker', batch, item.record, item.reason, now);
      outbox.push({
        kind: 'record',
        topic: topics.dlq,
        key: `${letter.topic}/${letter.partition}/${letter.offset}`,
        value: JSON.stringify(letter),
      });
      continue;
    }
    const { envelope } = item;
    const { incidentId, commandId } = envelope;
    let state = current.get(incidentId) ?? null;
    const decision = decide(envelope, state, ctx, now);
    let outcome: CommandOutcome;
    if (decision.kind === 'rejected') {
      outcome = { status: 'rejected', commandId, incidentId, decidedAt, ...decision.rejection };
      logger.info({ incidentId, commandId, command: envelope.command.type, code: decision.rejection.code }, 'command rejected');
    } else {
      for (const event of decision.events) {
        state = evolve(state, event);
        outbox.push({ kind: 'record', topic: topics.events, key: incidentId, value: JSON.stringify(event) });
      }
      if (state && decision.events.length > 0) {
        current.set(incidentId, state);
        changed.set(incidentId, state);
      }
      outcome = {
        status: 'accepted',
        commandId,
        incidentId,
        decidedAt,
        events: decision.events.map((e) => ({ type: e.type, version: e.metadata.version })),
      };
      logger.info(
        { incidentId, commandId, command: envelope.command.type, events: outcome.events.map((e) => `${e.type}#${e.version}`) },
        decision.events.length > 0 ? 'command accepted' : 'command repeated: nothing new',
      );
    }
    outbox.push({ kind: 'outcome', commandId, value: JSON.stringify(outcome) });
  }
  return { states: changed, outbox };
}
