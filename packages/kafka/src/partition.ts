import type { ICustomPartitioner, PartitionerArgs } from 'kafkajs';

const M = 0x5bd1e995;
/** Keys up to this many UTF-16 units are encoded into one scratch buffer (3 bytes a unit at most), not a new one. */
const SCRATCH_UNITS = 256;
const scratch = new Uint8Array(SCRATCH_UNITS * 3);
const utf8 = new TextEncoder();

/**
 * The Java client's murmur2 (`org.apache.kafka.common.utils.Utils.murmur2`) of a key's UTF-8 bytes, as a signed
 * 32-bit integer. In 32-bit integer arithmetic (`Math.imul`): kafkajs's own murmur2 gives the same values through a
 * 64-bit Long object per step, some 4.5 µs a key against 0.1 µs here (docs/performance.md), and the worker places
 * every command it reads and every record it writes.
 */
export function murmur2(key: string | Uint8Array): number {
  let data: Uint8Array;
  let length: number;
  if (typeof key !== 'string') {
    data = key;
    length = key.length;
  } else if (key.length <= SCRATCH_UNITS) {
    data = scratch;
    length = utf8.encodeInto(key, scratch).written;
  } else {
    data = Buffer.from(key, 'utf8');
    length = data.length;
  }
  let h = 0x9747b28c ^ length;
  const whole = length - (length & 3);
  for (let i = 0; i < whole; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  // The last one to three bytes, as the Java client's switch falls through.
  const rest = length & 3;
  if (rest === 3) h ^= data[whole + 2]! << 16;
  if (rest >= 2) h ^= data[whole + 1]! << 8;
  if (rest >= 1) h = Math.imul(h ^ data[whole]!, M);
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Where the Java client's default partitioner puts a key among `count` partitions: its murmur2, made positive. */
const place = (key: string | Uint8Array, count: number): number => (murmur2(key) & 0x7fffffff) % count;

function checkedCount(partitions: number): number {
  if (!Number.isSafeInteger(partitions) || partitions < 1) throw new RangeError(`partitions must be a positive integer, got ${partitions}`);
  return partitions;
}

/**
 * The partition a keyed record lands on among `partitions` when produced by DurableProducer, as the Java client's
 * default partitioner places a key: what a consumer checks a record's partition against (ADR 0019), since the state
 * of an incident is kept per partition.
 */
export function partitionOf(key: string, partitions: number): number {
  return place(key, checkedCount(partitions));
}

/** `partitionOf` for one partition count, checked once: for a loop placing many keys (an import). */
export function partitionerFor(partitions: number): (key: string) => number {
  const count = checkedCount(partitions);
  return (key) => place(key, count);
}

/**
 * kafkajs's partitioner for every producer here: a partition the record names, else its key's `partitionOf` over the
 * topic's partitions (kafkajs's DefaultPartitioner places keys the same, slower), else round robin over the
 * partitions that have a leader.
 */
export const keyPartitioner: ICustomPartitioner = () => {
  const next = new Map<string, number>();
  return ({ topic, partitionMetadata, message }: PartitionerArgs): number => {
    if (message.partition !== undefined && message.partition !== null) return message.partition;
    if (message.key !== undefined && message.key !== null) return place(message.key, partitionMetadata.length);
    const led = partitionMetadata.filter((p) => p.leader >= 0);
    const turn = next.get(topic) ?? Math.floor(Math.random() * 0x7fffffff);
    next.set(topic, turn + 1);
    return led.length > 0 ? led[turn % led.length]!.partitionId : turn % partitionMetadata.length;
  };
};

/** A record's headers as text (kafkajs gives Buffers, or arrays of them for a repeated header: the first is taken). */
export function headersOf(headers: Record<string, unknown> | undefined): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first: unknown = Array.isArray(value) ? value[0] : value;
    if (first === undefined || first === null) continue;
    if (Buffer.isBuffer(first)) out[name] = first.toString('utf8');
    else if (typeof first === 'string') out[name] = first;
  }
  return out;
}
