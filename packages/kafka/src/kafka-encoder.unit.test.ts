import { randomInt } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
// kafkajs's protocol encoder and record batches, as patches/kafkajs@2.2.4.patch makes them: buffers taken uninitialised
// from Node's pool, varints written straight into them.
// @ts-expect-error: kafkajs ships no types for its internals.
import Encoder from 'kafkajs/src/protocol/encoder.js';
// @ts-expect-error: as above.
import Decoder from 'kafkajs/src/protocol/decoder.js';
// @ts-expect-error: as above.
import { RecordBatch } from 'kafkajs/src/protocol/recordBatch/v0/index.js';
// @ts-expect-error: as above.
import encodeRecord from 'kafkajs/src/protocol/recordBatch/record/v0/index.js';
// @ts-expect-error: as above.
import decodeRecordBatch from 'kafkajs/src/protocol/recordBatch/v0/decoder.js';
// @ts-expect-error: as above.
import Long from 'kafkajs/src/utils/long.js';

interface KafkaEncoder {
  writeVarInt(value: number): KafkaEncoder;
  writeUVarInt(value: number): KafkaEncoder;
  writeVarLong(value: unknown): KafkaEncoder;
  size(): number;
  readonly buffer: Buffer;
}
interface KafkaDecoder {
  readVarInt(): number;
  readUVarInt(): number;
  readVarLong(): { toString(): string };
}
interface DecodedBatch {
  readonly producerId: string;
  readonly firstSequence: number;
  readonly records: readonly { key: Buffer | null; value: Buffer; headers: Record<string, Buffer | Buffer[]> }[];
}
const encoder = () => new (Encoder as new () => KafkaEncoder)();
const decoder = (buffer: Buffer) => new (Decoder as new (buffer: Buffer) => KafkaDecoder)(buffer);

/** LEB128 of an unsigned number, seven bits a byte, low bits first: plainly right, not fast. */
function leb128(value: bigint): Buffer {
  const bytes: number[] = [];
  do {
    let byte = Number(value & 0x7fn);
    value >>= 7n;
    if (value !== 0n) byte |= 0x80;
    bytes.push(byte);
  } while (value !== 0n);
  return Buffer.from(bytes);
}
const zigzag = (value: bigint, bits: bigint) => BigInt.asUintN(Number(bits), (value << 1n) ^ (value >> (bits - 1n)));

const INT32_EDGES = [0, 1, -1, 63, -64, 64, -65, 127, 128, 8191, -8192, 8192, 2 ** 31 - 1, -(2 ** 31)];
const INT64_EDGES = [0n, 1n, -1n, 2n ** 31n, -(2n ** 31n) - 1n, 2n ** 53n + 1n, 2n ** 63n - 1n, -(2n ** 63n)];

describe("kafkajs's encoder as patched: varints written in place", () => {
  it('writes signed varints as zigzag LEB128, read back by its decoder', () => {
    const values = [...INT32_EDGES, ...Array.from({ length: 2000 }, () => randomInt(-(2 ** 47), 2 ** 47 - 1) | 0)];
    for (const value of values) {
      const written = encoder().writeVarInt(value).buffer;
      expect([value, written.toString('hex')]).toEqual([value, leb128(zigzag(BigInt(value), 32n)).toString('hex')]);
      expect(decoder(written).readVarInt()).toBe(value);
    }
  });

  it('writes unsigned varints up to 2^32 - 1 as LEB128', () => {
    const values = [0, 1, 127, 128, 16383, 16384, 2 ** 31, 2 ** 32 - 1, ...Array.from({ length: 2000 }, () => randomInt(2 ** 32))];
    for (const value of values) {
      const written = encoder().writeUVarInt(value).buffer;
      expect([value, written.toString('hex')]).toEqual([value, leb128(BigInt(value)).toString('hex')]);
      expect(decoder(written).readUVarInt() >>> 0).toBe(value);
    }
  });

  it('writes signed 64-bit varlongs as zigzag LEB128, read back by its decoder', () => {
    const values = [...INT64_EDGES, ...Array.from({ length: 500 }, () => BigInt(randomInt(-(2 ** 47), 2 ** 47 - 1)) * 65_537n)];
    for (const value of values) {
      const written = encoder().writeVarLong((Long as { fromString(s: string): unknown }).fromString(value.toString())).buffer;
      expect([value, written.toString('hex')]).toEqual([value, leb128(zigzag(value, 64n)).toString('hex')]);
      expect(decoder(written).readVarLong().toString()).toBe(value.toString());
    }
  });

  it('keeps many numbers in a row in order as its buffer grows', () => {
    const values = Array.from({ length: 5000 }, () => randomInt(-(2 ** 31), 2 ** 31 - 1));
    const out = encoder();
    for (const value of values) out.writeVarInt(value);
    const read = decoder(out.buffer);
    expect(values.map(() => read.readVarInt())).toEqual(values);
    expect(out.size()).toBe(out.buffer.length);
  });
});

describe("kafkajs's encoder as patched: uninitialised buffers", () => {
  afterEach(() => vi.restoreAllMocks());

  const records = [
    { key: 'a5f0c8e2-0000-4000-8000-000000000001', value: JSON.stringify({ type: 'IncidentReported', text: '楼道堆放杂物' }) },
    { key: null, value: '' },
    { key: 'k', value: 'x'.repeat(3000), headers: { 'event-signature': 'sig'.repeat(50), traceparent: '00-aa-bb-01' } },
    { key: 'k2', value: Buffer.from([0, 1, 2, 255]), headers: { many: ['one', 'two'] } },
  ];

  /** A record batch as the producer encodes it, with every buffer the encoder takes filled with `fill` first. */
  async function batchWith(fill: number): Promise<{ bytes: Buffer; taken: number }> {
    const allocUnsafe = Buffer.allocUnsafe.bind(Buffer);
    const spy = vi.spyOn(Buffer, 'allocUnsafe').mockImplementation((size: number) => allocUnsafe(size).fill(fill));
    const batch = await (RecordBatch as (options: object) => Promise<KafkaEncoder>)({
      firstTimestamp: 1_764_900_000_000,
      maxTimestamp: 1_764_900_000_500,
      producerId: (Long as { fromInt(n: number): unknown }).fromInt(42),
      producerEpoch: 3,
      firstSequence: 17,
      lastOffsetDelta: records.length - 1,
      records: records.map((r, i) =>
        (encodeRecord as (options: object) => KafkaEncoder)({ ...r, offsetDelta: i, timestampDelta: i * 100 }),
      ),
    });
    const taken = spy.mock.calls.length;
    spy.mockRestore();
    // As a produce request carries it: the first offset, the length and the batch (its checksum included).
    return { bytes: Buffer.from(batch.buffer), taken };
  }

  it('sends only bytes it wrote: the same batch whatever the memory it was given held', async () => {
    const zeros = await batchWith(0x00);
    const ones = await batchWith(0xff);
    const other = await batchWith(0xa5);
    // The encoder does take its buffers uninitialised (else this test would prove nothing).
    expect(zeros.taken).toBeGreaterThan(records.length);
    expect(ones.bytes.equals(zeros.bytes)).toBe(true);
    expect(other.bytes.equals(zeros.bytes)).toBe(true);
  });

  it('encodes a batch its own decoder reads back record for record', async () => {
    const { bytes } = await batchWith(0xa5);
    const batch = await (decodeRecordBatch as (d: KafkaDecoder) => Promise<DecodedBatch>)(decoder(bytes));
    expect(batch.producerId).toBe('42');
    expect(batch.firstSequence).toBe(17);
    expect(
      batch.records.map((r) => ({
        key: r.key === null ? null : r.key.toString(),
        value: r.value.toString('hex'),
        headers: Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : String(v)])),
      })),
    ).toEqual(
      records.map((r) => ({
        key: r.key,
        value: Buffer.from(r.value).toString('hex'),
        headers: Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k, v])),
      })),
    );
  });
});
