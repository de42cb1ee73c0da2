import { randomBytes, randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
// kafkajs's checksum of a record batch, as patches/kafkajs@2.2.4.patch makes it (eight bytes a step).
// @ts-expect-error: kafkajs ships no types for its internals.
import crc32C from 'kafkajs/src/protocol/recordBatch/crc32C/index.js';

const checksum = crc32C as (buffer: Buffer) => number;

/** CRC32-C one bit at a time, straight from the reflected polynomial: slow and plainly right. */
function bitwise(buffer: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of buffer) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

describe('the record batch checksum (CRC32-C) the producers send', () => {
  it('gives the standard check value and the known iSCSI vectors', () => {
    expect(checksum(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(checksum(Buffer.alloc(0))).toBe(0);
    expect(checksum(Buffer.alloc(32, 0))).toBe(0x8a9136aa);
    expect(checksum(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43);
    expect(checksum(Buffer.from(Array.from({ length: 32 }, (_, i) => i)))).toBe(0x46dd794e);
  });

  it('agrees with the bitwise definition at every length up to two steps and beyond, unsigned', () => {
    for (let length = 0; length < 40; length++) {
      const bytes = randomBytes(length);
      expect([length, checksum(bytes)]).toEqual([length, bitwise(bytes)]);
    }
    for (let i = 0; i < 200; i++) {
      const bytes = randomBytes(randomInt(5000));
      const sum = checksum(bytes);
      expect(sum).toBe(bitwise(bytes));
      expect(sum).toBeGreaterThanOrEqual(0);
    }
  });
});
