import { randomInt } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
// kafkajs's protocol encoder, record batches and produce requests, as patches/kafkajs@2.2.4.patch makes them: buffers
// taken uninitialised from Node's pool, varints written straight into them, a produce request written in one pass.
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
// @ts-expect-error: as above.
import ProduceV3 from 'kafkajs/src/protocol/requests/produce/v3/request.js';
// @ts-expect-error: as above.
import encodeRequest from 'kafkajs/src/protocol/request.js';
// @ts-expect-error: as above.
import crc32C from 'kafkajs/src/protocol/recordBatch/crc32C/index.js';

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

describe("kafkajs's produce request as patched: written in one pass", () => {
  afterEach(() => vi.restoreAllMocks());

  interface Message {
    key: string | Buffer | null;
    value: string | Buffer | null;
    headers?: Record<string, string | Buffer | (string | Buffer)[]>;
    timestamp?: string;
  }
  interface PartitionData {
    partition: number;
    firstSequence?: number;
    messages: Message[];
  }
  interface Produce {
    acks: number;
    timeout: number;
    transactionalId?: string | null;
    producerId?: unknown;
    producerEpoch?: number;
    topicData: { topic: string; partitions: PartitionData[] }[];
  }
  const produceRequest = (p: Produce) => (ProduceV3 as (p: Produce) => { encode(): Promise<KafkaEncoder> })(p);
  const framed = async (p: Produce) =>
    Buffer.from(
      (
        await (encodeRequest as (r: object) => Promise<KafkaEncoder>)({
          correlationId: 4711,
          clientId: 'dispatch-worker',
          request: { apiKey: 0, apiVersion: 7, encode: () => produceRequest(p).encode() },
        })
      ).buffer,
    );

  /**
   * The request as kafkajs 2.2.4 encodes it without the patch: each record, batch, partition and topic in an encoder
   * of its own (its recordBatch/v0 and record/v0 modules, which the patch leaves alone), the request framed by its
   * size and header.
   */
  async function nested(p: Produce): Promise<Buffer> {
    interface Writer extends KafkaEncoder {
      writeInt16(n: number): Writer;
      writeInt32(n: number): Writer;
      writeString(s: string | null): Writer;
      writeArray(items: readonly KafkaEncoder[]): Writer;
      writeEncoder(e: KafkaEncoder): Writer;
    }
    const E = Encoder as new () => Writer;
    const topics: KafkaEncoder[] = [];
    for (const { topic, partitions } of p.topicData) {
      const encodedPartitions: KafkaEncoder[] = [];
      for (const { partition, messages, firstSequence } of partitions) {
        const dateNow = Date.now();
        const stamps = messages
          .map((m) => m.timestamp)
          .filter((t) => t != null)
          .sort();
        const timestamps = stamps.length === 0 ? [dateNow] : stamps;
        const firstTimestamp = timestamps[0]!;
        const records = messages.map((m, i) =>
          (encodeRecord as (options: object) => KafkaEncoder)({
            ...m,
            offsetDelta: i,
            timestampDelta: Number(m.timestamp || dateNow) - Number(firstTimestamp),
          }),
        );
        const batch = await (RecordBatch as (options: object) => Promise<KafkaEncoder>)({
          records,
          firstTimestamp,
          maxTimestamp: timestamps.at(-1),
          producerId: p.producerId ?? (Long as { fromInt(n: number): unknown }).fromInt(-1),
          producerEpoch: p.producerEpoch ?? 0,
          firstSequence,
          transactional: !!p.transactionalId,
          lastOffsetDelta: records.length - 1,
        });
        encodedPartitions.push(new E().writeInt32(partition).writeInt32(batch.size()).writeEncoder(batch));
      }
      topics.push(new E().writeString(topic).writeArray(encodedPartitions));
    }
    const payload = new E()
      .writeString(p.transactionalId ?? null)
      .writeInt16(p.acks)
      .writeInt32(p.timeout)
      .writeArray(topics);
    const request = new E().writeInt16(0).writeInt16(7).writeInt32(4711).writeString('dispatch-worker').writeEncoder(payload);
    return Buffer.from(new E().writeInt32(request.size()).writeEncoder(request).buffer);
  }

  // Text of one-, two-, three- and four-byte UTF-8 characters: slices of one random string at random places.
  const chars = Array.from('楼道a1堆放杂物😀');
  const source = Array.from({ length: 50_000 }, () => chars[randomInt(chars.length)]).join('');
  const text = (n: number) => {
    const at = randomInt(source.length - n);
    return source.slice(at, at + n);
  };
  function randomMessage(): Message {
    const pick = randomInt(4);
    const key = pick === 0 ? null : pick === 1 ? Buffer.from(text(randomInt(40))) : text(randomInt(1, 60));
    const size = [0, 1, 63, 64, 200, 3000, 20_000][randomInt(7)]!;
    const value = randomInt(10) === 0 ? null : randomInt(2) === 0 ? text(size) : Buffer.from(text(size));
    const headers: NonNullable<Message['headers']> = {};
    for (let h = randomInt(4); h > 0; h--)
      headers[`h${h}${text(randomInt(5))}`] = randomInt(3) === 0 ? [text(3), Buffer.from(text(90))] : text(randomInt(200));
    return { key, value, headers, ...(randomInt(3) === 0 ? { timestamp: String(1_764_900_000_000 + randomInt(100_000)) } : {}) };
  }
  function randomProduce(): Produce {
    const transactional = randomInt(3) === 0;
    return {
      acks: [-1, 1][randomInt(2)]!,
      timeout: randomInt(1, 60_000),
      ...(transactional ? { transactionalId: `tx-${text(8)}` } : {}),
      ...(randomInt(2) === 0
        ? { producerId: (Long as { fromString(s: string): unknown }).fromString(String(randomInt(2 ** 40))), producerEpoch: randomInt(100) }
        : {}),
      topicData: Array.from({ length: randomInt(1, 4) }, (_, t) => ({
        topic: `grid.events-${t}`,
        partitions: Array.from({ length: randomInt(1, 5) }, (_, p) => ({
          partition: p * 3 + randomInt(3),
          ...(randomInt(2) === 0 ? { firstSequence: randomInt(2 ** 31) } : {}),
          messages: Array.from({ length: randomInt(0, 30) }, randomMessage),
        })),
      })),
    };
  }

  it('writes the same bytes as the nested encoding, for any mix of topics, partitions, keys, values and headers', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(1_764_900_050_000);
    for (let i = 0; i < 100; i++) {
      const p = randomProduce();
      const [ours, theirs] = [await framed(p), await nested(p)];
      if (!ours.equals(theirs)) expect(ours.toString('hex')).toBe(theirs.toString('hex'));
    }
    // The worker's kind of send: one topic, many records a partition, each with its signature header.
    const relay: Produce = {
      acks: -1,
      timeout: 30_000,
      topicData: [
        {
          topic: 'grid.events',
          partitions: [0, 5, 11].map((partition) => ({
            partition,
            messages: Array.from({ length: 400 }, (_, n) => ({
              key: `a5f0c8e2-0000-4000-8000-${String(n).padStart(12, '0')}`,
              value: JSON.stringify({ type: 'IncidentReported', n, description: text(700) }),
              headers: { 'event-signature': 'sig'.repeat(40) },
            })),
          })),
        },
      ],
    };
    expect((await framed(relay)).equals(await nested(relay))).toBe(true);
  });

  it('sends only bytes it wrote: the same request whatever the memory it was given held', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(1_764_900_050_000);
    const p = randomProduce();
    const allocUnsafe = Buffer.allocUnsafe.bind(Buffer);
    const withFill = async (fill: number) => {
      const spy = vi.spyOn(Buffer, 'allocUnsafe').mockImplementation((size: number) => allocUnsafe(size).fill(fill));
      const bytes = await framed(p);
      spy.mockRestore();
      return bytes;
    };
    const zeros = await withFill(0x00);
    expect((await withFill(0xff)).equals(zeros)).toBe(true);
    expect((await withFill(0xa5)).equals(zeros)).toBe(true);
    expect(zeros.equals(await nested(p))).toBe(true);
  });

  it("fills in each batch's sizes and checksum: the batch reads back through kafkajs's decoder", async () => {
    const messages = [
      { key: 'k1', value: '楼道堆放杂物', headers: { sig: 'abc' } },
      { key: null, value: 'x'.repeat(5000) },
    ];
    const bytes = Buffer.from(
      (await produceRequest({ acks: -1, timeout: 1000, topicData: [{ topic: 't', partitions: [{ partition: 2, messages }] }] }).encode())
        .buffer,
    );
    const d = decoder(bytes) as KafkaDecoder & {
      readInt16(): number;
      readInt32(): number;
      readString(): string;
      readonly offset: number;
    };
    expect([d.readInt16(), d.readInt16(), d.readInt32(), d.readInt32(), d.readString(), d.readInt32(), d.readInt32()]).toEqual([
      -1,
      -1,
      1000,
      1,
      't',
      1,
      2,
    ]);
    const recordSetSize = d.readInt32();
    const rest = d.offset;
    expect(recordSetSize).toBe(bytes.length - rest);
    // decodeRecordBatch checks nothing of the checksum: checked here against the batch's body.
    expect(bytes.readUInt32BE(rest + 17)).toBe((crc32C as (b: Buffer) => number)(bytes.subarray(rest + 21)));
    expect(bytes.readInt32BE(rest + 8)).toBe(bytes.length - rest - 12);
    const batch = await (decodeRecordBatch as (d: KafkaDecoder) => Promise<DecodedBatch>)(decoder(bytes.subarray(rest)));
    expect(batch.records.map((r) => [r.key?.toString() ?? null, r.value.toString()])).toEqual(messages.map((m) => [m.key, m.value]));
  });
});
