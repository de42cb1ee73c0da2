import type { EventVerifier } from '@gridgov/auth';
import { CommandOutcome, type GridEvent, type Topics } from '@gridgov/contracts';
import { evolve, type AreaTree, type Catalog, type Incident, type IncidentState } from '@gridgov/domain';
import { decodeRecord, type IncomingRecord } from '@gridgov/kafka';
import { caseChange, type CaseChange } from '@gridgov/read-model';
import type { Logger } from '@gridgov/runtime';
import { decodeEvent } from '../event-decoding.ts';
import type { CaseViewStore } from './store.ts';

export interface CaseViewFoldDeps {
  readonly store: CaseViewStore;
  readonly areas: AreaTree;
  /** Which categories are confidential (their text is not indexed); the built-in catalog when absent. */
  readonly catalog?: Catalog;
  /**
   * Waits (a bounded time) until the configuration in force is at least this version: events decided under a version
   * this instance has not read yet (a grid just added) are folded once it has (ADR 0024).
   */
  readonly configVersionReached?: (version: number) => Promise<void>;
  readonly logger: Logger;
  readonly topics: Pick<Topics, 'events'>;
  /** Checks each record is an event the dispatch worker signed where it stands (ADR 0019). */
  readonly eventVerifier: EventVerifier;
}

/**
 * The read side's fold of one partition's records (ADR 0009), shared by the live projector and `pnpm restore`:
 * events into case views, histories and work lists, outcomes into command outcomes, each batch written with the
 * checkpoint moved from `from` (the last offset folded, '' for none) to `to` (the batch's last offset).
 */
export class CaseViewFold {
  constructor(private readonly deps: CaseViewFoldDeps) {}

  async foldEvents(
    partition: number,
    from: string,
    to: string,
    records: readonly IncomingRecord[],
    heartbeat: () => Promise<void> = () => Promise.resolve(),
  ): Promise<void> {
    const { store, areas, logger } = this.deps;
    const events: GridEvent[] = [];
    const topic = this.deps.topics.events;
    for (const [i, record] of records.entries()) {
      // Checking signatures takes CPU: a long batch tells the group it is alive.
      if (i % 500 === 499) await heartbeat();
      const event = decodeEvent(this.deps.eventVerifier, topic, partition, record);
      // The counters' projector sets such a record aside to the DLQ; here it is only skipped.
      if (event.ok) events.push(event.value);
      else
        logger.warn(
          { incidentId: record.key, partition, offset: record.offset, reason: event.reason },
          'read side: a record on grid.events skipped',
        );
    }
    await this.deps.configVersionReached?.(Math.max(0, ...events.map((e) => e.metadata.configVersion ?? 0)));
    const loaded = await store.loadStates(partition, [...new Set(events.map((e) => e.metadata.incidentId))]);
    const states = new Map<string, IncidentState>(loaded);
    const applied = new Map<string, GridEvent[]>();
    for (const event of events) {
      const id = event.metadata.incidentId;
      const state = states.get(id) ?? null;
      const expected = (state?.version ?? 0) + 1;
      if (event.metadata.version !== expected) {
        if (event.metadata.version > expected)
          logger.error({ incidentId: id, version: event.metadata.version, expected }, 'read side: event version gap: not applied');
        continue;
      }
      states.set(id, evolve(state, event));
      const folded = applied.get(id) ?? [];
      folded.push(event);
      applied.set(id, folded);
    }
    const changes: CaseChange[] = [];
    const touched = new Map<string, Incident>();
    for (const [id, folded] of applied) {
      const after = states.get(id)!;
      touched.set(id, after);
      changes.push(caseChange(id, loaded.get(id) ?? null, after, folded, areas, this.deps.catalog));
    }
    await store.applyEvents(partition, from, to, changes, touched);
  }

  async foldOutcomes(partition: number, from: string, to: string, records: readonly IncomingRecord[]): Promise<void> {
    const outcomes: CommandOutcome[] = [];
    for (const record of records) {
      const outcome = decodeRecord(CommandOutcome, 'CommandOutcome', record.value);
      if (outcome.ok) outcomes.push(outcome.value);
      else
        this.deps.logger.warn({ partition, offset: record.offset, reason: outcome.reason }, 'read side: a record on grid.outcomes skipped');
    }
    // An erased case's older outcomes are not written again (a refold after a Redis loss): they named the reporter's
    // commands. The erasure's own outcome, and refusals because of it, are its admin's to read (ADR 0016).
    const states = await this.deps.store.loadStates(partition, [...new Set(outcomes.map((o) => o.incidentId))]);
    const kept = outcomes.filter(
      (o) =>
        !states.get(o.incidentId)?.erased ||
        (o.status === 'accepted' ? o.events.some((e) => e.type === 'IncidentErased') : o.code === 'INCIDENT_ERASED'),
    );
    await this.deps.store.applyOutcomes(partition, from, to, kept);
  }
}
