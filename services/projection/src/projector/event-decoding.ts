import type { EventVerifier } from '@gridgov/auth';
import { GridEvent } from '@gridgov/contracts';
import { decodeRecord, type Decoded, type IncomingRecord } from '@gridgov/kafka';

/** What each verifier made of each record object: kept as long as the record (its batch) is. */
const decodedBy = new WeakMap<EventVerifier, WeakMap<IncomingRecord, Decoded<GridEvent>>>();

/**
 * A record of grid.events verified (nothing in it is believed before its signature, ADR 0019) and decoded: its event, or
 * why it is not one. The folds fed by one consumer (ADR 0040) are handed the same record objects: the first to ask
 * verifies and decodes, the other is answered from that, and the event is frozen so that neither fold can change what
 * the other reads.
 */
export function decodeEvent(verifier: EventVerifier, topic: string, partition: number, record: IncomingRecord): Decoded<GridEvent> {
  let known = decodedBy.get(verifier);
  if (!known) decodedBy.set(verifier, (known = new WeakMap()));
  const held = known.get(record);
  if (held) return held;
  const unverified = verifier.problem({ topic, partition, ...record });
  const decoded = unverified ? { ok: false as const, reason: unverified } : decodeRecord(GridEvent, 'GridEvent', record.value);
  if (decoded.ok) deepFreeze(decoded.value);
  known.set(record, decoded);
  return decoded;
}

function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null) return;
  Object.freeze(value);
  for (const inner of Object.values(value)) deepFreeze(inner);
}
