import { Partitioners } from 'kafkajs';

/** The producer's partitioner (DurableProducer uses the same): murmur2 of the key, as the Java client places keys. */
const place = Partitioners.DefaultPartitioner();

/**
 * The partition a keyed record lands on among `partitions` when produced by DurableProducer: what a consumer checks
 * a record's partition against (ADR 0019), since the state of an incident is kept per partition.
 */
export function partitionOf(key: string, partitions: number): number {
  if (!Number.isSafeInteger(partitions) || partitions < 1) throw new RangeError(`partitions must be a positive integer, got ${partitions}`);
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
    partitionErrorCode: 0,
  }));
  return place({ topic: '', partitionMetadata, message: { key, value: null } });
}

/** `partitionOf` for one partition count, its metadata built once: for a loop placing many keys (an import). */
export function partitionerFor(partitions: number): (key: string) => number {
  if (!Number.isSafeInteger(partitions) || partitions < 1) throw new RangeError(`partitions must be a positive integer, got ${partitions}`);
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
    partitionErrorCode: 0,
  }));
  return (key) => place({ topic: '', partitionMetadata, message: { key, value: null } });
}

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
