import type { EventVerifier } from '@gridgov/auth';
import { CommandId, CommandPosition, GridEvent, type CommandOutcome, type Topics } from '@gridgov/contracts';
import { openEvent, type CaseKeys, type Pseudonyms } from '@gridgov/crypto';
import { evolve, nextTimerAt, type DecisionContext, type Incident, type IncidentState } from '@gridgov/domain';
import { decodeRecord, highWatermarks, readRanges, type KafkaClient, type PartitionRange, type RangeBatch } from '@gridgov/kafka';
import type { Logger } from '@gridgov/runtime';
import { z } from 'zod';
import type { LogPositions, OutboxEntry, PartitionStore } from './partition-store.ts';

/**
 * What a restore takes from an outcome on grid.outcomes, validated: which command, decided how, from where. The rest
 * (the events it names, the rejection's text) is the read side's to check; a restore reads every outcome ever given.
 */
const OutcomeRef = z.object({
  commandId: CommandId,
  status: z.enum(['accepted', 'rejected']),
  position: CommandPosition.optional(),
});

export interface RestoreTarget {
  readonly store: PartitionStore;
  readonly epoch: number;
}

export interface RestoreDeps {
  readonly kafka: KafkaClient;
  readonly topics: Topics;
  readonly logger: Logger;
  /** What the timers need (deadline policy, working calendar); evolve itself needs nothing. */
  readonly context: Pick<DecisionContext, 'policy' | 'time'>;
  /** Prefix of the restore readers' throwaway consumer groups. */
  readonly groupPrefix: string;
  readonly now: () => Date;
  /**
   * The cases' data keys (ADR 0016): a lost partition's are put back in Redis from grid.keys first, then each event is
   * opened with its case's key before it is folded (an erased case's personal fields fold as empty). Absent: clear.
   */
  readonly keys?: CaseKeys;
  /** How recovered outcomes name their issuer (with `keys`). */
  readonly pseudonyms?: Pseudonyms;
  /**
   * Checks each event before it is folded (ADR 0019): one the worker did not sign where it stands is skipped (the
   * projection, which reads grid.events live, sets it aside to the DLQ).
   */
  readonly eventVerifier: EventVerifier;
  /** Told after each batch folded: the partition, which log, how many records. */
  readonly onProgress?: (partition: number, log: keyof LogPositions, records: number) => void;
}

/** What one partition's restore read and wrote. */
export interface RestoreReport {
  readonly partition: number;
  /** Whether the state had been lost (no restored mark): then the whole log was read. */
  readonly lost: boolean;
  readonly events: number;
  readonly outcomes: number;
  /** Incidents whose state changed. */
  readonly incidents: number;
  /** Accepted commands whose events were on the log but whose outcome was not: their outcome is sent now. */
  readonly outcomesRecovered: number;
  readonly checkpoint: string;
  readonly positions: LogPositions;
}

/** A command whose events were read but whose outcome was not (yet). */
interface EventsOfCommand {
  readonly incidentId: string;
  readonly actorId: string;
  readonly decidedAt: string;
  readonly events: { type: string; version: number }[];
  readonly decidedBefore: boolean;
}

/**
 * One partition's fold of the log onto its state in Redis. The checkpoint is the highest command position on
 * grid.outcomes: every command up to it has its outcome there (the relay sends a chunk in one request). Events' positions
 * do not count: a rejected command leaves no event, and a checkpoint taken past it would never decide it.
 */
class PartitionFold {
  events = 0;
  outcomes = 0;
  incidents = new Set<string>();
  checkpoint = -1n;
  readonly outcomeSeen = new Set<string>();
  readonly withoutOutcome = new Map<string, EventsOfCommand>();

  constructor(
    readonly target: RestoreTarget,
    readonly lost: boolean,
    readonly from: LogPositions,
  ) {}

  seePosition(offset: string | undefined): void {
    if (offset !== undefined && BigInt(offset) > this.checkpoint) this.checkpoint = BigInt(offset);
  }
}

/**
 * Brings partitions' state in Redis up to the end of grid.events and grid.outcomes: the incidents' states (a pure fold
 * of their events), the timers, the command ids decided and the commands checkpoint (ADR 0009). A partition whose
 * state was lost is read from the beginning; one that is whole only from where it stopped. Idempotent: a state only
 * takes events of the next version, so a restore that stops half way is run again from the start.
 */
export async function restorePartitions(deps: RestoreDeps, targets: readonly RestoreTarget[]): Promise<RestoreReport[]> {
  if (targets.length === 0) return [];
  const [eventsEnd, outcomesEnd] = await Promise.all([
    highWatermarks(deps.kafka, deps.topics.events),
    highWatermarks(deps.kafka, deps.topics.outcomes),
  ]);
  const folds = new Map<number, PartitionFold>();
  for (const target of targets) {
    const lost = !(await target.store.isRestored());
    const from = lost ? { events: 0n, outcomes: 0n } : await target.store.logPositions();
    folds.set(target.store.partition, new PartitionFold(target, lost, from));
  }
  const lostPartitions = [...folds.values()].filter((f) => f.lost).map((f) => f.target.store.partition);
  if (deps.keys && lostPartitions.length > 0) {
    const cached = await deps.keys.restore(lostPartitions, `${deps.groupPrefix}-keys`);
    deps.logger.info({ partitions: lostPartitions, ...cached }, 'restore: case keys cached again from grid.keys');
  }
  const ranges: PartitionRange[] = [...folds.values()].flatMap((fold) => {
    const p = fold.target.store.partition;
    return [
      { topic: deps.topics.events, partition: p, from: fold.from.events, to: eventsEnd.get(p) ?? 0n },
      { topic: deps.topics.outcomes, partition: p, from: fold.from.outcomes, to: outcomesEnd.get(p) ?? 0n },
    ];
  });

  await readRanges(
    deps.kafka,
    ranges,
    async (batch) => {
      const fold = folds.get(batch.partition)!;
      if (batch.topic === deps.topics.events) await foldEvents(deps, fold, batch);
      else await foldOutcomes(deps, fold, batch);
      deps.onProgress?.(batch.partition, batch.topic === deps.topics.events ? 'events' : 'outcomes', batch.records.length);
    },
    { logger: deps.logger, groupPrefix: deps.groupPrefix, partitionsConcurrently: 4 },
  );

  const reports: RestoreReport[] = [];
  for (const fold of folds.values()) {
    const { store, epoch } = fold.target;
    const p = store.partition;
    // Commands whose events reached the log while their outcome did not (the outbox was lost between the two sends).
    const recovered: OutboxEntry[] = [];
    for (const [commandId, c] of fold.withoutOutcome) {
      if (c.decidedBefore) continue;
      const outcome: CommandOutcome = {
        status: 'accepted',
        commandId,
        incidentId: c.incidentId,
        decidedAt: c.decidedAt,
        actorId: deps.pseudonyms ? deps.pseudonyms.person(c.actorId) : c.actorId,
        events: c.events,
      };
      recovered.push({ topic: deps.topics.outcomes, key: c.incidentId, value: JSON.stringify(outcome) });
    }
    if (recovered.length > 0)
      await store.applyRestored({ epoch, states: new Map(), decided: new Map(), timers: new Map(), outbox: recovered });
    const positions = { events: eventsEnd.get(p) ?? 0n, outcomes: outcomesEnd.get(p) ?? 0n };
    const checkpoint = fold.checkpoint >= 0n ? fold.checkpoint.toString() : '';
    await store.finishRestore(epoch, checkpoint, positions, deps.now());
    const report: RestoreReport = {
      partition: p,
      lost: fold.lost,
      events: fold.events,
      outcomes: fold.outcomes,
      incidents: fold.incidents.size,
      outcomesRecovered: recovered.length,
      checkpoint: checkpoint || (await store.checkpoint()),
      positions,
    };
    if (fold.lost || fold.events > 0 || fold.outcomes > 0) deps.logger.info(report, 'partition state restored from the log');
    reports.push(report);
  }
  return reports;
}

/** Folds a batch of events into the states (next versions only), the decided commands and the timers, in one write. */
async function foldEvents(deps: RestoreDeps, fold: PartitionFold, batch: RangeBatch): Promise<void> {
  const { store, epoch } = fold.target;
  const sealed: GridEvent[] = [];
  for (const record of batch.records) {
    const unverified = deps.eventVerifier.problem({ topic: batch.topic, partition: batch.partition, ...record });
    if (unverified) {
      deps.logger.warn(
        { incidentId: record.key, partition: batch.partition, offset: record.offset, reason: unverified },
        'restore: an event on grid.events not believed: skipped',
      );
      continue;
    }
    const event = decodeRecord(GridEvent, 'GridEvent', record.value);
    if (event.ok) sealed.push(event.value);
    else
      deps.logger.warn(
        { partition: batch.partition, offset: record.offset, reason: event.reason },
        'restore: a record on grid.events skipped',
      );
  }
  fold.events += batch.records.length;
  const ids = [...new Set(sealed.map((e) => e.metadata.incidentId))];
  const keys = deps.keys ? await deps.keys.get(ids) : new Map<string, Buffer>();
  // Opened as the worker decided them: the reporter's pseudonym is the read side's, not in the worker's state.
  const events = sealed.map((e) => withoutReporterRef(openEvent(e, keys.get(e.metadata.incidentId) ?? null)));
  const states = await store.loadStates(ids);
  const commandIds = [...new Set(events.flatMap((e) => (e.metadata.commandId ? [e.metadata.commandId] : [])))];
  const decidedBefore = await store.decidedAmong(commandIds);
  const touched = new Map<string, Incident>();
  const decided = new Map<string, string>();
  for (const event of events) {
    const { incidentId, version, commandId } = event.metadata;
    const state: IncidentState = states.get(incidentId) ?? null;
    const expected = (state?.version ?? 0) + 1;
    if (version === expected) {
      const next = evolve(state, event);
      states.set(incidentId, next);
      touched.set(incidentId, next);
    } else if (version > expected) {
      deps.logger.error({ incidentId, version, expected }, 'restore: event version gap on grid.events: event not applied');
    }
    if (commandId) {
      decided.set(commandId, 'accepted');
      if (!fold.outcomeSeen.has(commandId)) {
        const c = fold.withoutOutcome.get(commandId) ?? {
          incidentId,
          actorId: event.metadata.actor.id,
          // A command's events occur when the worker decides it (the decider's `now`): the outcome's own time.
          decidedAt: event.metadata.occurredAt,
          events: [],
          decidedBefore: decidedBefore.has(commandId),
        };
        if (!c.events.some((e) => e.version === version)) c.events.push({ type: event.type, version });
        fold.withoutOutcome.set(commandId, c);
      }
    }
  }
  const timers = new Map<string, number | null>();
  const unshredded: string[] = [];
  for (const [id, state] of touched) {
    timers.set(id, nextTimerAt(state, deps.context));
    fold.incidents.add(id);
    if (state.erased && keys.has(id)) unshredded.push(id);
  }
  // An erasure on the log whose key outlived it (the worker stopped between the two): shredded now.
  if (deps.keys && unshredded.length > 0) {
    deps.logger.warn({ incidents: unshredded }, 'restore: erased cases still had their key: shredding it');
    await deps.keys.shred(unshredded);
  }
  await store.applyRestored({ epoch, states: touched, decided, timers, outbox: [] });
}

/** Folds a batch of outcomes into the decided commands, and the checkpoint. */
async function foldOutcomes(deps: RestoreDeps, fold: PartitionFold, batch: RangeBatch): Promise<void> {
  fold.outcomes += batch.records.length;
  const decided = new Map<string, string>();
  for (const record of batch.records) {
    const decoded = decodeRecord(OutcomeRef, 'CommandOutcome', record.value);
    if (!decoded.ok) {
      deps.logger.warn(
        { partition: batch.partition, offset: record.offset, reason: decoded.reason },
        'restore: a record on grid.outcomes skipped',
      );
      continue;
    }
    const outcome = decoded.value;
    fold.outcomeSeen.add(outcome.commandId);
    fold.withoutOutcome.delete(outcome.commandId);
    fold.seePosition(outcome.position?.offset);
    decided.set(outcome.commandId, outcome.status);
  }
  const { store, epoch } = fold.target;
  await store.applyRestored({ epoch, states: new Map(), decided, timers: new Map(), outbox: [] });
}

function withoutReporterRef(event: GridEvent): GridEvent {
  if (event.type !== 'IncidentReported' || event.data.reporterRef === undefined) return event;
  const { reporterRef: _ref, ...data } = event.data;
  return { ...event, data };
}
