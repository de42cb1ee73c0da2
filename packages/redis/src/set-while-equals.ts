import { defineScript, integerReply } from './script.ts';

/**
 * Sets a key only while another key of the same hash slot still holds what its caller read there (`expected`; '' for
 * no key): a mark that vouches for the other key's state (a partition's "whole" mark for its checkpoint) is never set
 * on a state that changed meanwhile (Redis lost it, another writer moved it). Answers 1 when set, 0 when refused.
 */
export const setWhileEquals = defineScript({
  name: 'setWhileEquals',
  keys: ['guard', 'key'],
  argv: ['expected', 'value'],
  lua: `
local guard = KEYS[1]
local key = KEYS[2]
local expected = ARGV[1]
local value = ARGV[2]
if (redis.call('GET', guard) or '') ~= expected then return 0 end
redis.call('SET', key, value)
return 1
`,
  reply: integerReply,
});
