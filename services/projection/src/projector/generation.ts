import { defineScript, okReply, type Redis } from '@gridgov/redis';
import type { Logger } from '@gridgov/runtime';
import { ApiError } from '@gridgov/http';
import type { CounterReadCache } from './counter-cache.ts';
import { type CounterHash, type CounterReader, CounterStore, FIRST_GENERATION, type ProjectionKeys } from './counter-store.ts';

/**
 * Sets the generation pointer to `toGeneration` only while it still says `fromGeneration` (absent = the first
 * generation); else GRIDGOV_GENERATION_MOVED, a GenerationMoved. One key, one slot.
 */
const switchGeneration = defineScript({
  name: 'projectionSwitchGeneration',
  keys: ['pointerKey'],
  argv: ['fromGeneration', 'toGeneration', 'firstGeneration'],
  lua: `
local pointerKey = KEYS[1]
local fromGeneration = tonumber(ARGV[1])
local toGeneration = ARGV[2]
local firstGeneration = ARGV[3]
local current = tonumber(redis.call('GET', pointerKey) or firstGeneration)
if current ~= fromGeneration then
  return redis.error_reply('GRIDGOV_GENERATION_MOVED generation is ' .. tostring(current) .. ', not ' .. tostring(fromGeneration))
end
redis.call('SET', pointerKey, toGeneration)
return 'OK'
`,
  reply: okReply,
});

export function parseGeneration(raw: string | null): number {
  if (raw === null) return FIRST_GENERATION;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < FIRST_GENERATION)
    throw new Error(`the projection generation pointer holds ${JSON.stringify(raw)}, not a positive integer`);
  return n;
}

type Listener = (generation: number, previous: number) => void;

/**
 * Which generation of the projection is current (ADR 0005). `read()` asks Redis (one GET); the
 * live projector does that once per batch. Queries use the value cached here, refreshed when the
 * generation-changed notice arrives, when the subscriber reconnects (notices sent meanwhile are
 * lost) and every `refreshMs` as a safety net.
 */
export class ProjectionGenerations {
  private cached: number | undefined;
  private readonly stores = new Map<number, CounterStore>();
  private readonly listeners = new Set<Listener>();
  private subscriber: Redis | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: Redis,
    /** Any generation's keys of the deployment: the pointer and the channel are outside generations. */
    readonly keys: ProjectionKeys,
    private readonly logger: Logger,
    /** Parts of counter reads kept for queries (ADR 0045); none: every read goes to Redis. */
    private readonly readCache?: CounterReadCache,
  ) {}

  /** The store of one generation (kept: a handful of generations ever exist in one process). */
  store(generation: number): CounterStore {
    let store = this.stores.get(generation);
    if (!store) {
      store = new CounterStore(this.redis, this.keys.at(generation), this.readCache);
      this.stores.set(generation, store);
    }
    return store;
  }

  /** The current generation, from Redis; tells the listeners when it differs from the one seen last. */
  async read(): Promise<number> {
    const generation = parseGeneration(await this.redis.get(this.keys.currentGeneration()));
    this.observe(generation);
    return generation;
  }

  /** The generation seen last (undefined before the first read). */
  current(): number | undefined {
    return this.cached;
  }

  /** The store of the generation seen last; reads it first when never read. */
  async currentStore(): Promise<CounterStore> {
    return this.store(this.cached ?? (await this.read()));
  }

  /** Calls `listener` whenever a read sees another generation than the one before; returns the unsubscribe. */
  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Reads the generation now, then follows it: on every notice on its own subscriber connection
   * (a subscribed connection can run no other command), on reconnect and every `refreshMs`.
   */
  async start(subscriber: Redis, refreshMs: number): Promise<void> {
    this.subscriber = subscriber;
    const channel = this.keys.generationChanged();
    const refresh = (why: string) => {
      this.read().catch((err: unknown) => this.logger.warn({ err, why }, 'could not read the projection generation'));
    };
    subscriber.on('message', (from: string) => {
      if (from === channel) refresh('notice');
    });
    subscriber.on('ready', () => refresh('reconnect'));
    await subscriber.subscribe(channel);
    await this.read();
    this.timer = setInterval(() => refresh('poll'), refreshMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.listeners.clear();
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    await subscriber?.quit().catch(() => subscriber.disconnect());
  }

  /**
   * Makes `to` current if `from` still is (else GenerationMoved), then tells every instance. A lost
   * notice only delays the others until their next poll.
   */
  async switchTo(from: number, to: number): Promise<void> {
    await switchGeneration.run(
      this.redis,
      { pointerKey: this.keys.currentGeneration() },
      { fromGeneration: from, toGeneration: to, firstGeneration: FIRST_GENERATION },
    );
    this.observe(to);
    await this.redis
      .publish(this.keys.generationChanged(), JSON.stringify({ generation: to, previous: from }))
      .catch((err: unknown) => this.logger.warn({ err }, 'could not publish generation-changed: instances follow at their next poll'));
  }

  private observe(generation: number): void {
    const previous = this.cached;
    this.cached = generation;
    if (previous === undefined || previous === generation) return;
    this.logger.info({ generation, previous }, 'projection generation changed');
    for (const listener of this.listeners) {
      try {
        listener(generation, previous);
      } catch (err) {
        this.logger.error({ err }, 'generation listener failed');
      }
    }
  }
}

/** The counters queries read: those of the current generation, as last seen by this instance. */
export class CurrentCounters implements CounterReader {
  private wholeAt: { generation: number; at: number } | undefined;

  constructor(
    private readonly generations: ProjectionGenerations,
    /** How long a "whole" answer is trusted before the marks are asked again. */
    private readonly cacheMs = 1_000,
  ) {}

  /**
   * Reads from the current generation, once every partition of it is marked whole: counters Redis lost are being
   * folded again from grid.events, and a partial sum is never answered as the figures (ADR 0009).
   */
  async readMany(partitions: number, hashes: readonly CounterHash[], fields: readonly string[]): Promise<Map<string, number>[]> {
    const store = await this.generations.currentStore();
    const generation = this.generations.current() ?? FIRST_GENERATION;
    const cached = this.wholeAt && this.wholeAt.generation === generation && Date.now() - this.wholeAt.at < this.cacheMs;
    if (!cached) {
      if (!(await store.allRestored(partitions))) {
        this.wholeAt = undefined;
        throw new ApiError(
          503,
          'STATE_RESTORING',
          'the figures are being restored from grid.events after Redis lost them; nothing is lost, ask again shortly',
          undefined,
          { 'retry-after': '5' },
        );
      }
      this.wholeAt = { generation, at: Date.now() };
    }
    return store.readMany(partitions, hashes, fields);
  }

  /** The current generation's counters' version now ({@link CounterStore.versionNow}): what kept answers are kept on. */
  async versionNow(partitions: number): Promise<string | undefined> {
    return (await this.generations.currentStore()).versionNow(partitions);
  }
}

/** Deletes every key of one generation (SCAN of its pattern, UNLINK in chunks); answers how many. */
export async function dropGeneration(redis: Redis, keys: ProjectionKeys): Promise<number> {
  let cursor = '0';
  let removed = 0;
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', keys.generationPattern(), 'COUNT', 1000);
    cursor = next;
    if (found.length > 0) removed += await redis.unlink(...found);
  } while (cursor !== '0');
  return removed;
}
