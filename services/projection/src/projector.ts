import { GridEvent, type Topics } from '@gridgov/contracts';
import { applyEvent, type AreaTree, type CountedIncident, type CounterDelta } from '@gridgov/domain';
import {
  deadLetter,
  DurableProducer,
  runBatchConsumer,
  sendDeadLetters,
  type DeadLetter,
  type IncomingRecord,
  type PartitionBatch,
  type RunningConsumer,
} from '@gridgov/kafka';
import type { Logger } from '@gridgov/runtime';
import type { Kafka } from 'kafkajs';
import type { CounterStore } from './counter-store.ts';

export interface ProjectorDeps {
  readonly kafka: Kafka;
  readonly store: CounterStore;
  readonly areas: AreaTree;
  readonly topics: Topics;
  readonly groupId: string;
  readonly logger: Logger;
  readonly partitionsConcurrently: number;
  readonly clock: () => Date;
  /** Told after each applied batch (live streams listen here). */
  readonly onApplied?: (partition: number, events: number) => void;
}

function parseEvent(record: IncomingRecord): { ok: true; event: GridEvent } | { ok: false; reason: string } {
  if (!record.value) return { ok: false, reason: 'empty record value' };
  let json: unknown;
  try {
    json = JSON.parse(record.value.toString('utf8'));
  } catch {
    return { ok: false, reason: 'record value is not JSON' };
  }
  const parsed = GridEvent.safeParse(json);
  if (!parsed.success) {
    return {
      ok: false,
      reason: `record does not match GridEvent: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    };
  }
  return { ok: true, event: parsed.data };
}

/** Folds grid.events into counters, exactly once per incident version, checkpointed with the counters. */
export class Projector {
  private readonly producer: DurableProducer;
  private consumer: RunningConsumer | undefined;

  constructor(private readonly deps: ProjectorDeps) {
    this.producer = new DurableProducer(deps.kafka);
  }

  async start(): Promise<void> {
    await this.producer.connect();
    this.consumer = await runBatchConsumer({
      kafka: this.deps.kafka,
      groupId: this.deps.groupId,
      topics: [this.deps.topics.events],
      logger: this.deps.logger,
      partitionsConcurrently: this.deps.partitionsConcurrently,
      onBatch: (batch) => this.onBatch(batch),
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.stop();
    await this.producer.disconnect();
  }

  private async onBatch(batch: PartitionBatch): Promise<void> {
    const { store, areas, logger } = this.deps;
    const from = await store.checkpoint(batch.partition);
    const fresh = from === '' ? batch.records : batch.records.filter((r) => BigInt(r.offset) > BigInt(from));
    const last = fresh[fresh.length - 1];
    if (!last) return;

    const letters: DeadLetter[] = [];
    const events: GridEvent[] = [];
    for (const record of fresh) {
      const parsed = parseEvent(record);
      if (parsed.ok) events.push(parsed.event);
      else letters.push(deadLetter('projection', batch, record, parsed.reason, this.deps.clock()));
    }
    const known = await store.loadIncidents(batch.partition, [...new Set(events.map((e) => e.metadata.incidentId))]);
    const touched = new Map<string, CountedIncident>();
    const deltas: CounterDelta[] = [];
    let duplicates = 0;
    for (const event of events) {
      const id = event.metadata.incidentId;
      const result = applyEvent(areas, known.get(id), event);
      if (result.kind === 'duplicate') {
        duplicates++;
      } else if (result.kind === 'gap') {
        logger.error(
          { incidentId: id, version: event.metadata.version, expected: result.expected },
          'event version gap: event not applied',
        );
      } else {
        known.set(id, result.incident);
        touched.set(id, result.incident);
        deltas.push(...result.deltas);
      }
    }
    if (letters.length > 0) {
      logger.warn({ partition: batch.partition, count: letters.length, first: letters[0]?.reason }, 'events set aside to the DLQ');
      await sendDeadLetters(this.producer, this.deps.topics.dlq, letters);
    }
    await store.apply(batch.partition, from, last.offset, touched, deltas);
    logger.debug({ partition: batch.partition, events: events.length, duplicates, offset: last.offset }, 'batch applied');
    this.deps.onApplied?.(batch.partition, events.length);
  }
}
