import { describe, expect, it } from 'vitest';
import { hashSlot } from './hash-slot.ts';

describe('hashSlot, as CLUSTER KEYSLOT answers', () => {
  it('is CRC16/XMODEM of the key modulo 16384', () => {
    // The check value of CRC16/XMODEM, and slots Redis's documentation shows.
    expect(hashSlot('123456789')).toBe(0x31c3);
    expect(hashSlot('foo')).toBe(12182);
    expect(hashSlot('somekey')).toBe(11058);
  });

  it('hashes only the tag between the first { and the next }, when it is not empty', () => {
    expect(hashSlot('foo{hash_tag}')).toBe(2515);
    expect(hashSlot('bar{hash_tag}')).toBe(2515);
    expect(hashSlot('{user1000}.following')).toBe(hashSlot('user1000'));
    expect(hashSlot('foo{bar}{zap}')).toBe(hashSlot('bar'));
    expect(hashSlot('foo{{bar}}zap')).toBe(hashSlot('{bar'));
    expect(hashSlot('foo{}{bar}')).not.toBe(hashSlot('bar'));
  });
});
