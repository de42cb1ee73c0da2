import type { Redis } from '@gridgov/redis';
import type { Incident, IncidentState } from '@gridgov/domain';
import { partitionKeys, type PartitionKeys } from './keys.ts';

/** A record decided but not yet produced: an event, a notification, an outcome or a dead letter. */
export interface OutboxEntry {
  readonly topic: string;
  readonly key: string;
  readonly value: string;
}

/** How far a partition's state has folded the log: the next offsets of grid.events and grid.outcomes. */
export interface LogPositions {
  readonly events: bigint;
  readonly outcomes: bigint;
}

export class FencedError extends Error {
  readonly code = 'FENCED';
  constructor(
    readonly partition: number,
    detail: string,
  ) {
    super(`partition ${partition}: ${detail}`);
  }
}

/**
 * Takes the partition: the epoch becomes the wall-clock time in ms, or one more than the current epoch when that is
 * later. A new owner after Redis lost everything still gets an epoch above any a zombie may hold.
 */
const TAKE_OWNERSHIP = `
local epochKey = KEYS[1]
local nowMs = tonumber(ARGV[1])
local current = tonumber(redis.call('GET', epochKey) or '0')
local epoch = nowMs
if current >= nowMs then epoch = current + 1 end
redis.call('SET', epochKey, epoch)
return epoch
`;

/**
 * The writes a batch and a restore chunk share, after KEYS and the leading ARGV were bound and `i` points at the first
 * count: states (HSET), decided command ids (HSET), timers (score = when the incident next needs a tick; -1 = none),
 * then the outbox entries to the end of ARGV.
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

/**
 * Applies one decided batch atomically: fenced by epoch and by the checkpoint it was decided from. States, decided
 * command ids, timers and outbox go together with the new checkpoint.
 */
const APPLY_BATCH = `
local epochKey, checkpointKey, incidentsKey, outboxKey, timersKey, decidedKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local epoch, fromCheckpoint, toCheckpoint = ARGV[1], ARGV[2], ARGV[3]
if redis.call('GET', epochKey) ~= epoch then return redis.error_reply('FENCED epoch moved') end
local cp = redis.call('GET', checkpointKey) or ''
if cp ~= fromCheckpoint then return redis.error_reply('FENCED checkpoint moved') end
local i = 4
${STATE_WRITES}
redis.call('SET', checkpointKey, toCheckpoint)
return 'OK'
`;

/**
 * Drops the first n outbox entries, once relayed, if this owner still holds the epoch and the
 * n-th entry is still the last one it sent (so nothing unsent is ever dropped).
 */
const TRIM_OUTBOX = `
local epochKey, outboxKey = KEYS[1], KEYS[2]
local epoch, count, lastSent = ARGV[1], tonumber(ARGV[2]), ARGV[3]
if redis.call('GET', epochKey) ~= epoch then return redis.error_reply('FENCED epoch moved') end
if redis.call('LINDEX', outboxKey, count - 1) ~= lastSent then return redis.error_reply('FENCED outbox moved') end
redis.call('LTRIM', outboxKey, count, -1)
return 'OK'
`;

/**
 * Moves one log position past records this owner just wrote, if they began where the position stood: records written
 * by anyone else in between are not in the state yet, and the next restore folds them.
 */
const ADVANCE_LOG = `
local epochKey, logKey = KEYS[1], KEYS[2]
local epoch, field, writtenFrom, nextOffset = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if redis.call('GET', epochKey) ~= epoch then return redis.error_reply('FENCED epoch moved') end
if (redis.call('HGET', logKey, field) or '0') == writtenFrom then redis.call('HSET', logKey, field, nextOffset) end
return 'OK'
`;

/**
 * One chunk of a restore: states, decided command ids, timers and outbox entries folded from the log. Idempotent (a
 * state is only ever replaced by a later version of itself, computed by the caller), so a restore that stops half way
 * is simply run again.
 */
const RESTORE_CHUNK = `
local epochKey, incidentsKey, decidedKey, timersKey, outboxKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
if redis.call('GET', epochKey) ~= ARGV[1] then return redis.error_reply('FENCED epoch moved') end
local i = 2
${STATE_WRITES}
return 'OK'
`;

/** The end of a restore: the checkpoint (never moved back), the log positions and the mark that the state is whole. */
const FINISH_RESTORE = `
local epochKey, checkpointKey, logKey, restoredKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local epoch, checkpoint, eventsNext, outcomesNext, restoredAt = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
if redis.call('GET', epochKey) ~= epoch then return redis.error_reply('FENCED epoch moved') end
local current = redis.call('GET', checkpointKey)
if checkpoint ~= '' and (not current or tonumber(checkpoint) > tonumber(current)) then
  redis.call('SET', checkpointKey, checkpoint)
end
redis.call('HSET', logKey, 'events', eventsNext, 'outcomes', outcomesNext)
redis.call('SET', restoredKey, restoredAt)
return 'OK'
`;

export interface BatchWrite {
  readonly epoch: number;
  /** The checkpoint the batch was decided from ('' when the partition has none yet). */
  readonly fromCheckpoint: string;
  readonly toCheckpoint: string;
  readonly states: ReadonlyMap<string, Incident>;
  /** Command id → its outcome's status, for every command the batch decided. */
  readonly decided: ReadonlyMap<string, string>;
  /** Incident id → when it next needs a tick (epoch ms), or null for none. */
  readonly timers: ReadonlyMap<string, number | null>;
  readonly outbox: readonly OutboxEntry[];
}

export type RestoreChunk = Omit<BatchWrite, 'fromCheckpoint' | 'toCheckpoint'>;

/** The dispatch worker's state of one commands partition: a cache of the log, plus the outbox and the fence. */
export class PartitionStore {
  readonly keys: PartitionKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    readonly partition: number,
  ) {
    this.keys = partitionKeys(prefix, partition);
  }

  /** Takes ownership: a new epoch that fences out every earlier owner. */
  async takeOwnership(): Promise<number> {
    return Number(await this.redis.eval(TAKE_OWNERSHIP, 1, this.keys.epoch, Date.now()));
  }

  async checkpoint(): Promise<string> {
    return (await this.redis.get(this.keys.checkpoint)) ?? '';
  }

  /** Whether the state was restored (or found whole) since Redis last lost it. */
  async isRestored(): Promise<boolean> {
    return (await this.redis.exists(this.keys.restored)) === 1;
  }

  async logPositions(): Promise<LogPositions> {
    const [events, outcomes] = await this.redis.hmget(this.keys.log, 'events', 'outcomes');
    return { events: BigInt(events ?? '0'), outcomes: BigInt(outcomes ?? '0') };
  }

  async loadStates(incidentIds: readonly string[]): Promise<Map<string, IncidentState>> {
    const states = new Map<string, IncidentState>();
    if (incidentIds.length === 0) return states;
    const values = await this.redis.hmget(this.keys.incidents, ...incidentIds);
    incidentIds.forEach((id, i) => {
      const raw = values[i];
      states.set(id, raw ? (JSON.parse(raw) as Incident) : null);
    });
    return states;
  }

  /** Which of these command ids were decided already. */
  async decidedAmong(commandIds: readonly string[]): Promise<Set<string>> {
    if (commandIds.length === 0) return new Set();
    const values = await this.redis.hmget(this.keys.decided, ...commandIds);
    return new Set(commandIds.filter((_, i) => values[i] !== null));
  }

  async apply(write: BatchWrite): Promise<void> {
    const args: (string | number)[] = [write.epoch, write.fromCheckpoint, write.toCheckpoint, ...stateArgs(write)];
    const { epoch, checkpoint, incidents, outbox, timers, decided } = this.keys;
    await this.fenced(this.redis.eval(APPLY_BATCH, 6, epoch, checkpoint, incidents, outbox, timers, decided, ...args));
  }

  async applyRestored(chunk: RestoreChunk): Promise<void> {
    const { epoch, incidents, decided, timers, outbox } = this.keys;
    await this.fenced(this.redis.eval(RESTORE_CHUNK, 5, epoch, incidents, decided, timers, outbox, chunk.epoch, ...stateArgs(chunk)));
  }

  async finishRestore(epoch: number, checkpoint: string, positions: LogPositions, at: Date): Promise<void> {
    const { epoch: epochKey, checkpoint: checkpointKey, log, restored } = this.keys;
    await this.fenced(
      this.redis.eval(
        FINISH_RESTORE,
        4,
        epochKey,
        checkpointKey,
        log,
        restored,
        epoch,
        checkpoint,
        positions.events.toString(),
        positions.outcomes.toString(),
        at.toISOString(),
      ),
    );
  }

  /** Records this owner wrote to one log at [from, next): the state holds them, so its position moves past them. */
  async advanceLog(epoch: number, log: keyof LogPositions, from: bigint, next: bigint): Promise<void> {
    await this.fenced(this.redis.eval(ADVANCE_LOG, 2, this.keys.epoch, this.keys.log, epoch, log, from.toString(), next.toString()));
  }

  /** Incidents whose next tick is due at `now` or before, earliest first. */
  async dueTimers(now: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.timers, '-inf', now, 'LIMIT', 0, limit);
  }

  async timerCount(): Promise<number> {
    return this.redis.zcard(this.keys.timers);
  }

  /** The oldest entries not yet relayed, as stored (raw) and parsed. */
  async pendingOutbox(limit: number): Promise<{ raw: string[]; entries: OutboxEntry[] }> {
    const raw = await this.redis.lrange(this.keys.outbox, 0, limit - 1);
    return { raw, entries: raw.map((r) => JSON.parse(r) as OutboxEntry) };
  }

  /** Drops the first `count` entries, the last of which must still be `lastRaw`. */
  async trimOutbox(epoch: number, count: number, lastRaw: string): Promise<void> {
    await this.fenced(this.redis.eval(TRIM_OUTBOX, 2, this.keys.epoch, this.keys.outbox, epoch, count, lastRaw));
  }

  private async fenced(write: Promise<unknown>): Promise<void> {
    try {
      await write;
    } catch (err) {
      throw err instanceof Error && err.message.startsWith('FENCED') ? new FencedError(this.partition, err.message) : err;
    }
  }
}

function stateArgs(write: RestoreChunk): (string | number)[] {
  const args: (string | number)[] = [write.states.size];
  for (const [id, state] of write.states) args.push(id, JSON.stringify(state));
  args.push(write.decided.size);
  for (const [id, status] of write.decided) args.push(id, status);
  args.push(write.timers.size);
  for (const [id, at] of write.timers) args.push(id, at === null ? '-1' : at);
  for (const entry of write.outbox) args.push(JSON.stringify(entry));
  return args;
}
