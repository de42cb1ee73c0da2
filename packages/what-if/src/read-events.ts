import type { EventVerifier } from '@gridgov/auth';
import { GridEvent } from '@gridgov/contracts';
import { decodeRecord, type KafkaClient, readRanges, topicWatermarks } from '@gridgov/kafka';
import type { Logger } from '@gridgov/runtime';

export interface ReadEventsOptions {
  readonly kafka: KafkaClient;
  /** grid.events, with the deployment's prefix. */
  readonly topic: string;
  /** Checks each record's signature before it is believed (ADR 0019), as the projection does. */
  readonly verifier: EventVerifier;
  readonly logger: Logger;
  /** The reader's consumer group is named after this (a fresh group, deleted afterwards). */
  readonly groupPrefix: string;
  /** How far the reading is: records read of the total the log held when the reading began. */
  readonly onProgress?: (read: number, total: number) => void;
}

export interface ReadEventsReport {
  readonly records: number;
  /** Records not believed (unsigned, forged, malformed): logged and left out, as the projection leaves them out. */
  readonly setAside: number;
}

/**
 * Reads grid.events from its beginning to where it stood when the reading began, partition by partition, each event
 * handed to `onEvent` in log order within its partition (a case's events all stand on one partition, in version order).
 * Only events whose signature verifies and that match the schema are handed on.
 */
export async function readGridEvents(options: ReadEventsOptions, onEvent: (event: GridEvent) => void): Promise<ReadEventsReport> {
  const watermarks = await topicWatermarks(options.kafka, options.topic);
  const total = watermarks.reduce((sum, w) => sum + Number(w.high - w.low), 0);
  let records = 0;
  let setAside = 0;
  options.onProgress?.(0, total);
  await readRanges(
    options.kafka,
    watermarks.map((w) => ({ topic: options.topic, partition: w.partition, from: w.low, to: w.high })),
    (batch) => {
      for (const record of batch.records) {
        records++;
        const unverified = options.verifier.problem({ topic: batch.topic, partition: batch.partition, ...record });
        const parsed = unverified ? { ok: false as const, reason: unverified } : decodeRecord(GridEvent, 'GridEvent', record.value);
        if (parsed.ok) onEvent(parsed.value);
        else {
          setAside++;
          options.logger.warn(
            { incidentId: record.key, partition: batch.partition, offset: record.offset, reason: parsed.reason },
            'what-if: an event not believed, left out of the replay',
          );
        }
      }
      options.onProgress?.(records, total);
      return Promise.resolve();
    },
    { logger: options.logger, groupPrefix: options.groupPrefix },
  );
  return { records, setAside };
}
