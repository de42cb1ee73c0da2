import type { DurableProducer, KafkaClient } from '@gridgov/kafka';
import { readRanges, highWatermarks } from '@gridgov/kafka';
import type { Redis } from '@gridgov/redis';
import type { Logger } from 'pino';
import { z } from 'zod';
import { WrappedKey, type Kms } from './kms.ts';
import { newDataKey } from './sealed.ts';

/** A record of grid.keys (key: incident id; compacted): the case's data key, wrapped. A null value is its erasure. */
export const CaseKeyRecord = WrappedKey.extend({ incidentId: z.uuid(), createdAt: z.string() });
export type CaseKeyRecord = z.infer<typeof CaseKeyRecord>;

export const caseKeyRedisKey = (keyPrefix: string, incidentId: string) => `${keyPrefix}:case-key:${incidentId}`;

export interface CaseKeysDeps {
  readonly redis: Redis;
  readonly keyPrefix: string;
  readonly kms: Kms;
  /** grid.keys; the writer's only. */
  readonly topic?: string;
  readonly producer?: DurableProducer;
  readonly kafka?: KafkaClient;
  readonly logger?: Logger;
}

/**
 * The cases' data keys (ADR 0016). Durable on the compacted topic grid.keys, wrapped by the KMS; cached, still wrapped,
 * in Redis at `<k>:case-key:<id>` for the worker and the read API. Nothing unwrapped is kept: a shredded key is gone
 * for every reader at once. The dispatch worker writes (`create`, `put`, `shred`, `restore`); the intake only reads.
 */
export class CaseKeys {
  constructor(private readonly deps: CaseKeysDeps) {}

  /** A new case's data key: `put` it (durably) before anything sealed with it is sent. */
  create(): Buffer {
    return newDataKey();
  }

  /**
   * The data keys of these incidents that exist (an erased or unknown case has none). The writer re-wraps, on the way,
   * a key wrapped by a KEK that is no longer current (rotation, lazily: the cases that are worked on move first).
   */
  async get(incidentIds: readonly string[], now: Date = new Date()): Promise<Map<string, Buffer>> {
    const found = new Map<string, Buffer>();
    if (incidentIds.length === 0) return found;
    const pipeline = this.deps.redis.pipeline();
    for (const id of incidentIds) pipeline.get(caseKeyRedisKey(this.deps.keyPrefix, id));
    const results = (await pipeline.exec()) ?? [];
    const stale = new Map<string, Buffer>();
    results.forEach(([err, raw], i) => {
      if (err) throw err;
      if (typeof raw !== 'string') return;
      const id = incidentIds[i]!;
      const record = CaseKeyRecord.parse(JSON.parse(raw));
      const key = this.deps.kms.unwrap(record, id);
      found.set(id, key);
      if (record.kid !== this.deps.kms.currentKid) stale.set(id, key);
    });
    if (stale.size > 0 && this.deps.producer) await this.put(stale, now);
    return found;
  }

  /** Stores new keys: on grid.keys first (acks=all), then in the cache. */
  async put(keys: ReadonlyMap<string, Buffer>, now: Date): Promise<void> {
    if (keys.size === 0) return;
    const { producer, topic } = this.writer();
    const records = [...keys].map(([incidentId, key]) => {
      const record: CaseKeyRecord = { incidentId, ...this.deps.kms.wrap(key, incidentId), createdAt: now.toISOString() };
      return { key: incidentId, value: JSON.stringify(record) };
    });
    await producer.send(topic, records);
    const pipeline = this.deps.redis.pipeline();
    for (const r of records) pipeline.set(caseKeyRedisKey(this.deps.keyPrefix, r.key), r.value);
    await execOrThrow(pipeline);
  }

  /** Crypto-shredding: the cached copies go first, then a tombstone on grid.keys (compaction removes the record). */
  async shred(incidentIds: readonly string[]): Promise<void> {
    if (incidentIds.length === 0) return;
    const { producer, topic } = this.writer();
    await this.deps.redis.del(...incidentIds.map((id) => caseKeyRedisKey(this.deps.keyPrefix, id)));
    await producer.tombstone(topic, incidentIds);
  }

  /**
   * The cache of some partitions of grid.keys, from the topic (Redis lost it, or a new owner checks it): each key's
   * last record wins, a tombstone removes it. Answers how many keys are cached and how many erased.
   */
  async restore(partitions: readonly number[], groupPrefix: string): Promise<{ keys: number; erased: number }> {
    const { topic } = this.writer();
    const kafka = this.deps.kafka;
    if (!kafka || !this.deps.logger) throw new Error('restoring case keys needs a Kafka client and a logger');
    const ends = await highWatermarks(kafka, topic);
    const latest = new Map<string, string | null>();
    await readRanges(
      kafka,
      partitions.map((p) => ({ topic, partition: p, from: 0n, to: ends.get(p) ?? 0n })),
      (batch) => {
        for (const r of batch.records) if (r.key) latest.set(r.key, r.value ? r.value.toString('utf8') : null);
        return Promise.resolve();
      },
      { logger: this.deps.logger, groupPrefix },
    );
    const pipeline = this.deps.redis.pipeline();
    let keys = 0;
    let erased = 0;
    for (const [id, value] of latest) {
      const redisKey = caseKeyRedisKey(this.deps.keyPrefix, id);
      if (value === null) {
        pipeline.del(redisKey);
        erased += 1;
      } else if (CaseKeyRecord.safeParse(JSON.parse(value)).success) {
        pipeline.set(redisKey, value);
        keys += 1;
      }
    }
    await execOrThrow(pipeline);
    return { keys, erased };
  }

  private writer(): { producer: DurableProducer; topic: string } {
    const { producer, topic } = this.deps;
    if (!producer || !topic) throw new Error('this CaseKeys only reads: writing keys is the dispatch worker’s');
    return { producer, topic };
  }
}

async function execOrThrow(pipeline: ReturnType<Redis['pipeline']>): Promise<void> {
  const results = (await pipeline.exec()) ?? [];
  const failed = results.find(([err]) => err);
  if (failed?.[0]) throw failed[0];
}
