import { defineScript, integerReply } from './script.ts';

/**
 * Deletes a key only while it still holds the value its holder wrote: a claim or lock given back by its holder, never
 * one that expired and was taken by someone else meanwhile. Answers 1 when deleted, 0 when the key held anything else.
 */
export const compareAndDelete = defineScript({
  name: 'compareAndDelete',
  keys: ['key'],
  argv: ['expected'],
  lua: `
local key = KEYS[1]
local expected = ARGV[1]
if redis.call('GET', key) == expected then return redis.call('DEL', key) end
return 0
`,
  reply: integerReply,
});
