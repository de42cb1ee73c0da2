import { randomBytes, randomInt } from 'node:crypto';
import { Partitioners, type PartitionerArgs } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { keyPartitioner, murmur2, partitionerFor, partitionOf } from './partition.ts';

/**
 * Printed by the Java client itself (kafka-clients 3.9.1, the broker's jars in infra/kafka/lib): for each key,
 * `Utils.murmur2(key.getBytes(UTF_8))` and `Utils.toPositive(hash) % 12`, the partition its default partitioner
 * gives the key among 12.
 */
const JAVA: readonly (readonly [string, number, number])[] = [
  ['', 275646681, 9],
  ['a', -1563381124, 4],
  ['ab', 316155434, 2],
  ['abc', 479470107, 3],
  ['abcd', -1323649548, 8],
  ['21', -973932308, 0],
  ['foobar', -790332482, 6],
  ['a-little-bit-long-string', -985981536, 8],
  ['a-little-bit-longer-string', -1486304829, 11],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971, 5],
  ['网格', -1671391195, 1],
  ['网格员上报', 311301670, 10],
  ['0b4cf9a2-6a3e-4f0a-9a41-1c6f2f6d9e7b', 1029746959, 7],
  ['inc-000001', -1447262904, 8],
  ['été', -2101193575, 1],
  ['😀x', -1018136956, 4],
];

const metadata = (partitions: number, leaderless: readonly number[] = []): PartitionerArgs['partitionMetadata'] =>
  Array.from({ length: partitions }, (_, partitionId) => ({
    partitionId,
    leader: leaderless.includes(partitionId) ? -1 : 0,
    replicas: [0],
    isr: [0],
    partitionErrorCode: 0,
  }));

/** A key of `length` UTF-16 units, some of them outside ASCII (two- and three-byte UTF-8) and some surrogate pairs. */
function randomKey(length: number): string {
  let key = '';
  while (key.length < length) {
    const pick = randomInt(10);
    key +=
      pick < 6
        ? String.fromCharCode(0x20 + randomInt(95))
        : pick < 8
          ? String.fromCharCode(0x80 + randomInt(0x700))
          : pick < 9
            ? String.fromCharCode(0x4e00 + randomInt(0x5000))
            : '😀';
  }
  return key;
}

describe('murmur2 and partitionOf: where a key lands, as the Java client places it', () => {
  it('gives the Java client’s hash and partition for ASCII, multi-byte and astral keys of every remainder length', () => {
    for (const [key, hash, partition] of JAVA) {
      expect([key, murmur2(key)]).toEqual([key, hash]);
      expect([key, murmur2(Buffer.from(key, 'utf8'))]).toEqual([key, hash]);
      expect([key, partitionOf(key, 12)]).toEqual([key, partition]);
      expect([key, partitionerFor(12)(key)]).toEqual([key, partition]);
    }
  });

  it('agrees with kafkajs’s own DefaultPartitioner on random keys, short and longer than the scratch buffer', () => {
    const theirs = Partitioners.DefaultPartitioner();
    const ours = keyPartitioner();
    for (let i = 0; i < 3000; i++) {
      const key = i % 3 === 0 ? randomBytes(randomInt(40)).toString('hex') : randomKey(i < 2990 ? randomInt(60) : 250 + randomInt(400));
      const partitions = 1 + randomInt(64);
      const args = { topic: 't', partitionMetadata: metadata(partitions), message: { key, value: null } };
      const expected = theirs(args);
      expect([key, partitionOf(key, partitions)]).toEqual([key, expected]);
      expect([key, ours(args)]).toEqual([key, expected]);
    }
  });

  it('refuses a partition count that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => partitionOf('k', bad)).toThrow(RangeError);
      expect(() => partitionerFor(bad)).toThrow(RangeError);
    }
  });
});

describe('keyPartitioner: the producers’ partitioner', () => {
  it('keeps a partition the record names, over its key', () => {
    const place = keyPartitioner();
    expect(place({ topic: 't', partitionMetadata: metadata(12), message: { key: 'foobar', value: null, partition: 3 } })).toBe(3);
    expect(place({ topic: 't', partitionMetadata: metadata(12), message: { key: 'foobar', value: null } })).toBe(6);
  });

  it('spreads keyless records in turn over the partitions that have a leader', () => {
    const place = keyPartitioner();
    const args = { topic: 't', partitionMetadata: metadata(4, [1]), message: { value: 'v' } };
    const placed = Array.from({ length: 6 }, () => place(args));
    expect(new Set(placed)).toEqual(new Set([0, 2, 3]));
    expect(placed.slice(3)).toEqual(placed.slice(0, 3));
  });
});
