import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { defineScript, integerReply, integersReply } from './script.ts';

/** Where a slot that could not be released or renewed is told (a pino logger). */
export interface SlotLogger {
  warn(obj: object, msg: string): void;
}

/**
 * Takes a slot for one live stream of a user, or says how many are open: one sorted set per user, a member per
 * open stream scored with the instant its lease ends (Redis time, the same for every instance). Lapsed leases are
 * dropped first, so the streams of an instance that died without closing them free their slots once their leases
 * end; the key expires with its last lease.
 */
const acquireStreamSlot = defineScript({
  name: 'acquireStreamSlot',
  keys: ['slotsKey'],
  argv: ['streamId', 'cap', 'leaseMs'],
  lua: `
local slotsKey = KEYS[1]
local streamId = ARGV[1]
local cap = tonumber(ARGV[2])
local leaseMs = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', slotsKey, '-inf', now)
local open = redis.call('ZCARD', slotsKey)
if open >= cap then return {0, open} end
redis.call('ZADD', slotsKey, now + leaseMs, streamId)
local ttl = redis.call('PTTL', slotsKey)
if ttl < leaseMs then redis.call('PEXPIRE', slotsKey, leaseMs) end
return {1, open + 1}
`,
  reply: (raw) => {
    const [taken, open, ...rest] = integersReply(raw);
    if (taken === undefined || open === undefined || rest.length > 0) throw new Error(`expected [taken, open], got ${JSON.stringify(raw)}`);
    return { taken: taken === 1, open };
  },
});

/** Extends the leases of a user's streams still open on this instance (their ids after the named arguments). */
const renewStreamSlots = defineScript({
  name: 'renewStreamSlots',
  keys: ['slotsKey'],
  argv: ['leaseMs'],
  lua: `
local slotsKey = KEYS[1]
local leaseMs = tonumber(ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 2, #ARGV do redis.call('ZADD', slotsKey, now + leaseMs, ARGV[i]) end
redis.call('PEXPIRE', slotsKey, leaseMs)
return #ARGV - 1
`,
  reply: integerReply,
});

export interface StreamSlotOptions {
  /** Live streams one user may hold open at once, counted over every instance (STREAMS_PER_USER). */
  readonly perUser: number;
  /** How long a slot outlives an instance that stops renewing it (STREAM_SLOT_LEASE_MS); renewed every third of it. */
  readonly leaseMs: number;
}

/** A stream's slot, given back when the stream ends. */
export interface StreamSlot {
  release(): void;
}

export type SlotAnswer = { readonly ok: true; readonly slot: StreamSlot } | { readonly ok: false; readonly open: number };

/**
 * The per-user cap on open live streams of a service (the projection's figures, the notifier's inbox), held in Redis so
 * that it counts across its instances (`<prefix>:streams:<user>`).
 * Each instance renews the leases of its own open streams (one script per user holding streams, every third of the
 * lease), releases a slot when its stream ends, and loses nothing but time when it dies: its leases lapse.
 */
export class StreamSlots {
  private readonly open = new Map<string, Set<string>>();
  private readonly renewal: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    readonly options: StreamSlotOptions,
    private readonly logger: SlotLogger,
  ) {
    this.renewal = setInterval(() => void this.renew(), Math.max(1, Math.floor(options.leaseMs / 3)));
    this.renewal.unref();
  }

  key(userId: string): string {
    return `${this.keyPrefix}:streams:${userId}`;
  }

  /** A slot for a new stream of `userId`, or the number already open when the user is at the cap. */
  async acquire(userId: string): Promise<SlotAnswer> {
    const streamId = randomUUID();
    const answer = await acquireStreamSlot.run(
      this.redis,
      { slotsKey: this.key(userId) },
      { streamId, cap: this.options.perUser, leaseMs: this.options.leaseMs },
    );
    if (!answer.taken) return { ok: false, open: answer.open };
    let mine = this.open.get(userId);
    if (!mine) {
      mine = new Set();
      this.open.set(userId, mine);
    }
    mine.add(streamId);
    let released = false;
    return {
      ok: true,
      slot: {
        release: () => {
          if (released) return;
          released = true;
          this.forget(userId, streamId);
          // A release that does not reach Redis costs the user a slot until its lease lapses.
          this.redis.zrem(this.key(userId), streamId).catch((err: unknown) => {
            this.logger.warn({ err, userId }, 'stream slot not released: it lapses with its lease');
          });
        },
      },
    };
  }

  /** Stops renewing (the streams are ended by the app, each releasing its slot). */
  close(): void {
    clearInterval(this.renewal);
  }

  private forget(userId: string, streamId: string): void {
    const mine = this.open.get(userId);
    mine?.delete(streamId);
    if (mine?.size === 0) this.open.delete(userId);
  }

  private async renew(): Promise<void> {
    await Promise.all(
      [...this.open].map(async ([userId, streams]) => {
        try {
          await renewStreamSlots.run(this.redis, { slotsKey: this.key(userId) }, { leaseMs: this.options.leaseMs }, { argv: [...streams] });
        } catch (err) {
          // Redis away: the next renewal tries again; a lease that lapsed meanwhile is taken again by it.
          this.logger.warn({ err, userId, streams: streams.size }, 'stream slots not renewed');
        }
      }),
    );
  }
}
