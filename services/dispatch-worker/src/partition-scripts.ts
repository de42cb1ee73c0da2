import { defineScript, integerReply, okReply } from '@gridgov/redis';

/**
 * The scripts of a commands partition's state (`PartitionStore`). Each touches keys of one partition only, all under
 * its {w<p>} tag. A write carries the owner's epoch and is refused (GRIDGOV_EPOCH_FENCED) when another owner took it.
 */

/**
 * Takes the partition: the epoch becomes the wall-clock time in ms, or one more than the current epoch when that is
 * later. A new owner after Redis lost everything still gets an epoch above any a zombie may hold.
 */
export const takeOwnership = defineScript({
  name: 'workerTakeOwnership',
  keys: ['epochKey'],
  argv: ['nowMs'],
  lua: `
local epochKey = KEYS[1]
local nowMs = tonumber(ARGV[1])
local current = tonumber(redis.call('GET', epochKey) or '0')
local epoch = nowMs
if current >= nowMs then epoch = current + 1 end
redis.call('SET', epochKey, epoch)
return epoch
`,
  reply: integerReply,
});

/**
 * The writes a batch and a restore chunk share, from ARGV[i] on (the first after the named arguments): states (HSET),
 * decided command ids (HSET), timers (score = when the incident next needs a tick; -1 = none), each a count and its
 * pairs, then the outbox entries to the end of ARGV.
 */
const STATE_WRITES = `
local function pairs_into(apply)
  local n = tonumber(ARGV[i])
  i = i + 1
  for _ = 1, n do
    apply(ARGV[i], ARGV[i + 1])
    i = i + 2
  end
end
pairs_into(function(id, state) redis.call('HSET', incidentsKey, id, state) end)
pairs_into(function(commandId, status) redis.call('HSET', decidedKey, commandId, status) end)
pairs_into(function(id, at)
  if at == '-1' then redis.call('ZREM', timersKey, id) else redis.call('ZADD', timersKey, at, id) end
end)
while i <= #ARGV do
  redis.call('RPUSH', outboxKey, ARGV[i])
  i = i + 1
end
`;

const EPOCH_FENCED = `if redis.call('GET', epochKey) ~= epoch then return redis.error_reply('GRIDGOV_EPOCH_FENCED epoch moved') end`;

/**
 * Applies one decided batch atomically: fenced by epoch and by the checkpoint it was decided from. States, decided
 * command ids, timers and outbox go together with the new checkpoint. Answers the outbox's length after the write: the
 * entries just pushed are the whole outbox when it equals their count (the relay then sends them without reading them).
 */
export const applyBatch = defineScript({
  name: 'workerApplyBatch',
  keys: ['epochKey', 'checkpointKey', 'incidentsKey', 'outboxKey', 'timersKey', 'decidedKey'],
  argv: ['epoch', 'fromCheckpoint', 'toCheckpoint'],
  lua: `
local epochKey = KEYS[1]
local checkpointKey = KEYS[2]
local incidentsKey = KEYS[3]
local outboxKey = KEYS[4]
local timersKey = KEYS[5]
local decidedKey = KEYS[6]
local epoch = ARGV[1]
local fromCheckpoint = ARGV[2]
local toCheckpoint = ARGV[3]
${EPOCH_FENCED}
local cp = redis.call('GET', checkpointKey) or ''
if cp ~= fromCheckpoint then return redis.error_reply('GRIDGOV_CHECKPOINT_CONFLICT checkpoint moved') end
local i = 4
${STATE_WRITES}
redis.call('SET', checkpointKey, toCheckpoint)
return redis.call('LLEN', outboxKey)
`,
  reply: integerReply,
});

/**
 * One chunk of a restore: states, decided command ids, timers and outbox entries folded from the log. Idempotent (a
 * state is only ever replaced by a later version of itself, computed by the caller), so a restore that stops half way
 * is simply run again.
 */
export const restoreChunk = defineScript({
  name: 'workerRestoreChunk',
  keys: ['epochKey', 'incidentsKey', 'decidedKey', 'timersKey', 'outboxKey'],
  argv: ['epoch'],
  lua: `
local epochKey = KEYS[1]
local incidentsKey = KEYS[2]
local decidedKey = KEYS[3]
local timersKey = KEYS[4]
local outboxKey = KEYS[5]
local epoch = ARGV[1]
${EPOCH_FENCED}
local i = 2
${STATE_WRITES}
return 'OK'
`,
  reply: okReply,
});

/** The end of a restore: the checkpoint (never moved back), the log positions and the mark that the state is whole. */
export const finishRestore = defineScript({
  name: 'workerFinishRestore',
  keys: ['epochKey', 'checkpointKey', 'logKey', 'restoredKey'],
  argv: ['epoch', 'checkpoint', 'eventsNext', 'outcomesNext', 'restoredAt'],
  lua: `
local epochKey = KEYS[1]
local checkpointKey = KEYS[2]
local logKey = KEYS[3]
local restoredKey = KEYS[4]
local epoch = ARGV[1]
local checkpoint = ARGV[2]
local eventsNext = ARGV[3]
local outcomesNext = ARGV[4]
local restoredAt = ARGV[5]
${EPOCH_FENCED}
local current = redis.call('GET', checkpointKey)
if checkpoint ~= '' and (not current or tonumber(checkpoint) > tonumber(current)) then
  redis.call('SET', checkpointKey, checkpoint)
end
redis.call('HSET', logKey, 'events', eventsNext, 'outcomes', outcomesNext)
redis.call('SET', restoredKey, restoredAt)
return 'OK'
`,
  reply: okReply,
});

/**
 * After a relay produced the first `count` outbox entries: moves each log position named (field, writtenFrom,
 * nextOffset triples after the named arguments) past the records this owner wrote, if they began where the position
 * stood (records written by anyone else in between are not in the state yet, and the next restore folds them), then
 * drops the entries, if the `count`-th is still the last one sent (so nothing unsent is ever dropped). One script: the
 * positions and the trim go together, fenced by the epoch.
 */
export const relayed = defineScript({
  name: 'workerRelayed',
  keys: ['epochKey', 'outboxKey', 'logKey'],
  argv: ['epoch', 'count', 'lastSent'],
  lua: `
local epochKey = KEYS[1]
local outboxKey = KEYS[2]
local logKey = KEYS[3]
local epoch = ARGV[1]
local count = tonumber(ARGV[2])
local lastSent = ARGV[3]
${EPOCH_FENCED}
local i = 4
while i + 2 <= #ARGV do
  if (redis.call('HGET', logKey, ARGV[i]) or '0') == ARGV[i + 1] then redis.call('HSET', logKey, ARGV[i], ARGV[i + 2]) end
  i = i + 3
end
if redis.call('LINDEX', outboxKey, count - 1) ~= lastSent then return redis.error_reply('GRIDGOV_OUTBOX_MOVED outbox moved') end
redis.call('LTRIM', outboxKey, count, -1)
return 'OK'
`,
  reply: okReply,
});

/**
 * What a timer pass reads, in one round trip: whether the state is whole (the restored mark), the checkpoint, the
 * outbox's depth, then up to `limit` incidents due at `now` or before, earliest first, each with its score and its
 * state (false when the hash has none). Nothing after the mark when it is missing: the caller restores first.
 */
export const dueTimerStates = defineScript({
  name: 'workerDueTimerStates',
  keys: ['restoredKey', 'checkpointKey', 'outboxKey', 'timersKey', 'incidentsKey'],
  argv: ['now', 'limit'],
  lua: `
local restoredKey = KEYS[1]
local checkpointKey = KEYS[2]
local outboxKey = KEYS[3]
local timersKey = KEYS[4]
local incidentsKey = KEYS[5]
local now = ARGV[1]
local limit = tonumber(ARGV[2])
if redis.call('EXISTS', restoredKey) == 0 then return {0} end
local reply = {1, redis.call('GET', checkpointKey) or '', redis.call('LLEN', outboxKey)}
local due = redis.call('ZRANGEBYSCORE', timersKey, '-inf', now, 'WITHSCORES', 'LIMIT', 0, limit)
if #due == 0 then return reply end
local ids = {}
for j = 1, #due, 2 do ids[#ids + 1] = due[j] end
local states = redis.call('HMGET', incidentsKey, unpack(ids))
for j = 1, #ids do
  reply[#reply + 1] = ids[j]
  reply[#reply + 1] = due[2 * j]
  reply[#reply + 1] = states[j]
end
return reply
`,
  reply: (raw) => raw as unknown[],
});

/**
 * What a batch of commands reads before it is decided, in one round trip: the restored mark, the checkpoint, the
 * states of its incidents and which of its command ids were decided already. `incidentCount` ids come first in
 * ARGV after the named arguments, the command ids after them. Nothing after the mark when it is missing.
 */
export const batchReads = defineScript({
  name: 'workerBatchReads',
  keys: ['restoredKey', 'checkpointKey', 'incidentsKey', 'decidedKey'],
  argv: ['incidentCount'],
  lua: `
local restoredKey = KEYS[1]
local checkpointKey = KEYS[2]
local incidentsKey = KEYS[3]
local decidedKey = KEYS[4]
local incidentCount = tonumber(ARGV[1])
if redis.call('EXISTS', restoredKey) == 0 then return {0} end
local reply = {1, redis.call('GET', checkpointKey) or ''}
local incidents = {}
local commands = {}
for j = 2, #ARGV do
  if j - 1 <= incidentCount then incidents[#incidents + 1] = ARGV[j] else commands[#commands + 1] = ARGV[j] end
end
local states = {}
if #incidents > 0 then states = redis.call('HMGET', incidentsKey, unpack(incidents)) end
local decided = {}
if #commands > 0 then decided = redis.call('HMGET', decidedKey, unpack(commands)) end
for j = 1, #incidents do reply[#reply + 1] = states[j] end
for j = 1, #commands do
  if decided[j] then reply[#reply + 1] = 1 else reply[#reply + 1] = 0 end
end
return reply
`,
  reply: (raw) => raw as unknown[],
});
