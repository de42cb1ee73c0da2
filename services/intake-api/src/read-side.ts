import { ApiError } from '@gridgov/http';
import { readModelKeys } from '@gridgov/read-model';
import type { Redis } from '@gridgov/redis';

/**
 * Whether the read side (case views, histories, work lists, outcomes) is whole: every partition of grid.events and
 * grid.outcomes carries its restored mark. Redis that lost them is being restored from the log, and until it is, the
 * case routes answer 503 STATE_RESTORING rather than an empty or partial answer (ADR 0009). Asked at most once per
 * `cacheMs`.
 */
export class ReadSideReadiness {
  private checkedAt = 0;
  private whole = false;

  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    /** Partitions of grid.events (and grid.outcomes, which has as many). */
    private readonly partitions: number,
    private readonly cacheMs = 1_000,
  ) {}

  /** `fresh`: ask Redis now, not the answer of the last second (a wipe in that second would not show). */
  async isWhole(fresh = false): Promise<boolean> {
    if (!fresh && this.whole && Date.now() - this.checkedAt < this.cacheMs) return true;
    const keys = Array.from({ length: this.partitions }, (_, p) => readModelKeys(this.keyPrefix).partition(p)).flatMap((k) => [
      k.eventsRestored,
      k.outcomesRestored,
    ]);
    // One EXISTS each, pipelined: the marks live in different hash slots (a Redis Cluster refuses a cross-slot MGET).
    const pipeline = this.redis.pipeline();
    for (const key of keys) pipeline.exists(key);
    const results = (await pipeline.exec()) ?? [];
    // Redis not answering is not a restore: its error goes up (503 STORE_UNAVAILABLE), never a STATE_RESTORING.
    const failed = results.find(([err]) => err);
    if (failed?.[0]) throw failed[0];
    this.whole = results.length === keys.length && results.every(([, n]) => n === 1);
    this.checkedAt = Date.now();
    return this.whole;
  }

  /** Throws 503 STATE_RESTORING while the read side is being restored. */
  async assertWhole(): Promise<void> {
    if (await this.isWhole()) return;
    throw new ApiError(
      503,
      'STATE_RESTORING',
      'the case views are being restored from grid.events after Redis lost them; nothing is lost, ask again shortly',
      undefined,
      { 'retry-after': '5' },
    );
  }

  /** Marks every partition whole: for a store seeded by hand (tests) rather than folded from the log. */
  async markAllWhole(): Promise<void> {
    const at = new Date().toISOString();
    const keys = Array.from({ length: this.partitions }, (_, p) => readModelKeys(this.keyPrefix).partition(p));
    const pipeline = this.redis.pipeline();
    for (const k of keys) pipeline.set(k.eventsRestored, at).set(k.outcomesRestored, at);
    await pipeline.exec();
  }
}
