import type { Redis } from 'ioredis';
import { defineScript, integersReply } from './script.ts';

/** The rate limits' keys: one fixed-window counter per subject (`ip:<address>`, `user:<id>`), one key each. */
export class RateLimitKeys {
  constructor(readonly prefix: string) {}
  /** The counter of one subject's current window (a TTL ends the window). */
  counter(subject: string): string {
    return `${this.prefix}:ratelimit:${subject}`;
  }
}

/** A subject's count in its window, and how long until the window ends. */
export interface RateLimitHit {
  readonly count: number;
  readonly resetInMs: number;
}

/**
 * One key per counter (one hash slot): INCRBY the hits, and the window's expiry set by the hits that made the key.
 * Returns the window's count with them, and the ms left of it.
 */
const rateLimitHit = defineScript({
  name: 'rateLimitHit',
  keys: ['counterKey'],
  argv: ['windowMs', 'hits'],
  lua: `
local counterKey = KEYS[1]
local windowMs = ARGV[1]
local hits = tonumber(ARGV[2])
local n = redis.call('INCRBY', counterKey, hits)
if n == hits then redis.call('PEXPIRE', counterKey, windowMs) end
local ttl = redis.call('PTTL', counterKey)
if ttl < 0 then redis.call('PEXPIRE', counterKey, windowMs); ttl = tonumber(windowMs) end
return {n, ttl}
`,
  reply: (raw) => {
    const [count, resetInMs, ...rest] = integersReply(raw);
    if (count === undefined || resetInMs === undefined || rest.length > 0)
      throw new Error(`expected [count, ttl], got ${JSON.stringify(raw)}`);
    return { count, resetInMs };
  },
});

/**
 * Fixed-window request counters in Redis: a window opens with a key's first hit and lasts `windowMs`, so every
 * instance of a service counts against the same limit. Each hit is one script call, its count exact.
 */
export class RedisRateLimitStore {
  private readonly keys: RateLimitKeys;

  constructor(
    private readonly redis: Redis,
    keyPrefix: string,
  ) {
    this.keys = new RateLimitKeys(keyPrefix);
  }

  hit(subject: string, windowMs: number): Promise<RateLimitHit> {
    return this.add(subject, windowMs, 1);
  }

  /** Adds `hits` to the subject's window at once: its count with them. */
  add(subject: string, windowMs: number, hits: number): Promise<RateLimitHit> {
    return rateLimitHit.run(this.redis, { counterKey: this.keys.counter(subject) }, { windowMs, hits });
  }
}

/** How often a `GatheredRateLimitStore` sends the hits it counted itself. */
export const RATE_LIMIT_FLUSH_MS = 100;

/** Subjects a `GatheredRateLimitStore` keeps at most; past it, a new subject's hits go to Redis one by one. */
export const RATE_LIMIT_SUBJECTS_KEPT = 50_000;

interface Subject {
  /** Its count in Redis as last answered (this instance's sent hits in it, and the other instances' then). */
  count: number;
  /** Hits accepted here and not yet sent. */
  pending: number;
  /** When its window ends, by this instance's clock (Date.now()), from the ttl last answered. */
  endsAt: number;
  /** The window's length, for hits sent after the key is gone (expired early, or Redis emptied). */
  windowMs: number;
}

/** How often a send also drops the subjects whose windows have ended. */
const SWEEP_EVERY_MS = 10_000;

/** Two answers of one subject whose windows end this far apart or less are of the same window (a window is ≥ 1 s). */
const SAME_WINDOW_MS = 500;

/**
 * The same counters (`RedisRateLimitStore`), with most hits counted here and sent in one script call a subject every
 * `flushMs`, not one call a request: a request's Redis round trip and script were a sixth of a cached figure's CPU
 * (docs/performance.md). A hit goes to Redis at once, its count exact, whenever the answer could matter:
 * - the subject is not known here, or its window has ended (the first hit of a window opens it in Redis);
 * - the count known here with the hits not yet sent would pass half the limit;
 * - a hundredth of the limit has been accepted here since the last send (so a limit under 100 is always exact);
 * - this instance keeps `maxSubjects` already.
 * So while a subject is well within its limit no request waits for Redis; once it nears its limit every request is
 * counted in Redis, and each instance can have accepted at most a hundredth of the limit that the others did not yet
 * see. A send that fails loses its hits (the limits fail open, as before); they are not sent twice.
 */
export class GatheredRateLimitStore {
  private readonly subjects = new Map<string, Subject>();
  /** The subjects holding hits not yet sent: what a send walks (not every subject kept). */
  private readonly held = new Map<string, Subject>();
  /** When the subjects whose windows ended were last dropped. */
  private sweptAt = Number.NEGATIVE_INFINITY;
  private readonly timer: NodeJS.Timeout;
  /** The send under way: the timer starts no other meanwhile (a Redis that does not answer gets one call a subject). */
  private sending: Promise<void> | undefined;

  constructor(
    private readonly store: Pick<RedisRateLimitStore, 'add'>,
    private readonly options: {
      readonly flushMs?: number;
      readonly maxSubjects?: number;
      /** Told when a send failed (its hits are lost). */
      readonly onFlushError?: (err: unknown, subjects: number) => void;
      readonly now?: () => number;
    } = {},
  ) {
    this.timer = setInterval(() => {
      if (!this.sending) void this.flush();
    }, options.flushMs ?? RATE_LIMIT_FLUSH_MS);
    this.timer.unref();
  }

  /** Subjects known here (their windows not yet seen to end). */
  get size(): number {
    return this.subjects.size;
  }

  /**
   * A hit of `subject`: its count in its window, exact unless well below `limit` (above); without a limit, exact. A
   * count from memory is answered at once, not as a promise: the edge then sets no timer and awaits nothing.
   */
  hit(subject: string, windowMs: number, limit?: number): RateLimitHit | Promise<RateLimitHit> {
    const now = this.now();
    const known = this.subjects.get(subject);
    if (known && now < known.endsAt && limit !== undefined && this.local(known, limit)) {
      if (known.pending++ === 0) this.held.set(subject, known);
      return { count: known.count + known.pending, resetInMs: known.endsAt - now };
    }
    return this.send(subject, windowMs, known, now);
  }

  /** Sends every subject's hits not yet sent, one call a subject; now and then drops the subjects whose windows ended. */
  async flush(): Promise<void> {
    const sending = this.sendHeld();
    this.sending = sending;
    try {
      await sending;
    } finally {
      if (this.sending === sending) this.sending = undefined;
    }
  }

  private async sendHeld(): Promise<void> {
    const now = this.now();
    const sends: Promise<unknown>[] = [];
    let failed = 0;
    let firstError: unknown;
    if (now - this.sweptAt >= SWEEP_EVERY_MS) {
      this.sweptAt = now;
      for (const [subject, known] of this.subjects) if (now >= known.endsAt) this.subjects.delete(subject);
    }
    for (const [subject, known] of this.held) {
      this.held.delete(subject);
      // Hits of a window that has ended count for nothing now.
      if (known.pending === 0 || now >= known.endsAt) continue;
      const hits = known.pending;
      known.pending = 0;
      sends.push(
        this.store.add(subject, known.windowMs, hits).then(
          (answer) => this.learn(subject, known.windowMs, answer, this.now()),
          (err: unknown) => {
            failed++;
            firstError ??= err;
          },
        ),
      );
    }
    await Promise.all(sends);
    if (failed > 0) this.options.onFlushError?.(firstError, failed);
  }

  /** Stops the timer and sends what is left. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.sending;
    await this.flush();
  }

  private local(known: Subject, limit: number): boolean {
    const after = known.count + known.pending + 1;
    return after <= limit / 2 && known.pending + 1 <= Math.floor(limit / 100);
  }

  private async send(subject: string, windowMs: number, known: Subject | undefined, now: number): Promise<RateLimitHit> {
    // The hits held for a window that has ended belong to it, not to the window this hit opens.
    const held = known && now < known.endsAt ? known.pending : 0;
    if (known) known.pending = 0;
    const answer = await this.store.add(subject, windowMs, held + 1);
    this.learn(subject, windowMs, answer, this.now());
    return answer;
  }

  private learn(subject: string, windowMs: number, answer: RateLimitHit, now: number): void {
    const endsAt = now + answer.resetInMs;
    const known = this.subjects.get(subject);
    if (!known) {
      if (this.subjects.size < (this.options.maxSubjects ?? RATE_LIMIT_SUBJECTS_KEPT))
        this.subjects.set(subject, { count: answer.count, pending: 0, endsAt, windowMs });
      return;
    }
    // Answers of one subject may come back out of order. A later window's answer replaces what is known; within one
    // window the largest count is the latest; an earlier window's answer is ignored.
    if (endsAt > known.endsAt + SAME_WINDOW_MS) {
      known.count = answer.count;
      known.endsAt = endsAt;
      known.windowMs = windowMs;
    } else if (endsAt >= known.endsAt - SAME_WINDOW_MS) {
      known.count = Math.max(known.count, answer.count);
    }
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }
}

/**
 * The rate limits of an HTTP service, from its RATE_LIMIT_* settings, kept in Redis so they hold across instances:
 * gathered (`GatheredRateLimitStore`) or each hit sent (`gathered: false`: the intake, whose users report a few times a
 * minute, so that gathering saved nothing and its answers' p99 at 1,000 reports/s grew; ADR 0052).
 */
export function rateLimitsFrom(
  redis: Redis,
  keyPrefix: string,
  config: { readonly RATE_LIMIT_WINDOW_MS: number; readonly RATE_LIMIT_PER_USER: number; readonly RATE_LIMIT_PER_IP: number },
  logger: { warn(details: object, message: string): void },
  options: { readonly gathered: boolean } = { gathered: true },
) {
  const onFlushError = (err: unknown, subjects: number) =>
    logger.warn({ err, subjects }, `rate limits: ${subjects} subjects' hits not sent (Redis did not answer); they are not counted`);
  const exact = new RedisRateLimitStore(redis, keyPrefix);
  return {
    store: options.gathered ? new GatheredRateLimitStore(exact, { onFlushError }) : exact,
    windowMs: config.RATE_LIMIT_WINDOW_MS,
    perUser: config.RATE_LIMIT_PER_USER,
    perIp: config.RATE_LIMIT_PER_IP,
  };
}
