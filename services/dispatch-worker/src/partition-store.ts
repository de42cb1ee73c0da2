import type { Redis } from '@gridgov/redis';
import type { Incident, IncidentState } from '@gridgov/domain';
import { partitionKeys, type PartitionKeys } from './keys.ts';

/** A record waiting in the outbox: for a topic (produced by the relay) or a command outcome (stored for the API). */
export type OutboxEntry =
  | { readonly kind: 'record'; readonly topic: string; readonly key: string; readonly value: string }
  | { readonly kind: 'outcome'; readonly commandId: string; readonly value: string }
  /** The case as GET /v1/incidents/:id shows it, and a line of its history (field = version). */
  | {
      readonly kind: 'view';
      readonly incidentId: string;
      readonly value: string;
      readonly history: readonly (readonly [number, string])[];
      /** The work lists the case joins and leaves (absent in entries written before lists existed). */
      readonly lists?: CaseListChange;
    };

/** A case moving between work lists: in every area from its grid up, and (when new) in its reporter's list. */
export interface CaseListChange {
  /** Report time (epoch ms): the score in every list. */
  readonly score: number;
  /** The case's grid and every area above it. */
  readonly areas: readonly string[];
  readonly add: readonly string[];
  readonly remove: readonly string[];
  /** Set when the case is new: it joins its reporter's list. */
  readonly reporterId?: string;
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
 * Applies one batch atomically: fenced by epoch and by the checkpoint it was decided from.
 * States, timers (score = when the incident next needs a tick; -1 = none) and outbox go together.
 */
const APPLY_BATCH = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return redis.error_reply('FENCED epoch moved') end
local cp = redis.call('GET', KEYS[2]) or ''
if cp ~= ARGV[2] then return redis.error_reply('FENCED checkpoint moved') end
local i = 5
for _ = 1, tonumber(ARGV[4]) do
  redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1])
  i = i + 2
end
local timers = tonumber(ARGV[i])
i = i + 1
for _ = 1, timers do
  if ARGV[i + 1] == '-1' then
    redis.call('ZREM', KEYS[5], ARGV[i])
  else
    redis.call('ZADD', KEYS[5], ARGV[i + 1], ARGV[i])
  end
  i = i + 2
end
while i <= #ARGV do
  redis.call('RPUSH', KEYS[4], ARGV[i])
  i = i + 1
end
redis.call('SET', KEYS[2], ARGV[3])
return 'OK'
`;

/**
 * Drops the first n outbox entries, once relayed, if this owner still holds the epoch and the
 * n-th entry is still the last one it sent (so nothing unsent is ever dropped).
 */
const TRIM_OUTBOX = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return redis.error_reply('FENCED epoch moved') end
local n = tonumber(ARGV[2])
if redis.call('LINDEX', KEYS[2], n - 1) ~= ARGV[3] then return redis.error_reply('FENCED outbox moved') end
redis.call('LTRIM', KEYS[2], n, -1)
return 'OK'
`;

export interface BatchWrite {
  readonly epoch: number;
  /** The checkpoint the batch was decided from ('' when the partition has none yet). */
  readonly fromCheckpoint: string;
  readonly toCheckpoint: string;
  readonly states: ReadonlyMap<string, Incident>;
  /** Incident id → when it next needs a tick (epoch ms), or null for none. */
  readonly timers: ReadonlyMap<string, number | null>;
  readonly outbox: readonly OutboxEntry[];
}

/** The dispatch worker's durable state of one commands partition. */
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
    return this.redis.incr(this.keys.epoch);
  }

  async checkpoint(): Promise<string> {
    return (await this.redis.get(this.keys.checkpoint)) ?? '';
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

  async apply(write: BatchWrite): Promise<void> {
    const args: (string | number)[] = [write.epoch, write.fromCheckpoint, write.toCheckpoint, write.states.size];
    for (const [id, state] of write.states) args.push(id, JSON.stringify(state));
    args.push(write.timers.size);
    for (const [id, at] of write.timers) args.push(id, at === null ? '-1' : at);
    for (const entry of write.outbox) args.push(JSON.stringify(entry));
    const { epoch, checkpoint, incidents, outbox, timers } = this.keys;
    try {
      await this.redis.eval(APPLY_BATCH, 5, epoch, checkpoint, incidents, outbox, timers, ...args);
    } catch (err) {
      throw asFenced(err, this.partition);
    }
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
    try {
      await this.redis.eval(TRIM_OUTBOX, 2, this.keys.epoch, this.keys.outbox, epoch, count, lastRaw);
    } catch (err) {
      throw asFenced(err, this.partition);
    }
  }
}

function asFenced(err: unknown, partition: number): unknown {
  return err instanceof Error && err.message.startsWith('FENCED') ? new FencedError(partition, err.message) : err;
}
