import type { Bulletin } from '@gridgov/projection-api';
import { SHANGHAI_OFFSET_MS } from '@gridgov/domain';
import { compareAndDelete, type Redis } from '@gridgov/redis';
import type { ProjectionKeys } from '../projector/counter-store.ts';

export interface Month {
  readonly year: number;
  readonly month: number;
}

export const parseMonth = (text: string): Month => ({ year: Number(text.slice(0, 4)), month: Number(text.slice(5, 7)) });

/** The first instant after a month in Asia/Shanghai (UTC+8, no daylight saving): 00:00 on the 1st of the next. */
export function monthEndsAt(m: Month): Date {
  return new Date(Date.UTC(m.year, m.month, 1) - SHANGHAI_OFFSET_MS);
}

/** 2026-12-01T00:00:00+08:00: how a leader reads the moment, in local time. */
export function shanghaiTimestamp(instant: Date): string {
  return `${new Date(instant.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 19)}+08:00`;
}

export type { Bulletin, BulletinDay } from '@gridgov/projection-api';

/** What the store needs of Kafka: producing a frozen bulletin (acks=all) and reading them all back. */
export interface BulletinLog {
  append(key: string, value: string): Promise<void>;
  /** Every record of the topic up to its end, oldest first. */
  readAll(): Promise<{ key: string | null; value: string | null }[]>;
}

/**
 * Frozen bulletins: facts, so they live on the compacted topic grid.bulletins (key area:month), and Redis keeps them
 * for reading, one key each (ADR 0009). The first freeze wins: it claims the Redis key (SET NX) and then puts the
 * bulletin on the log before anyone is told it was created; a loser never writes to the log. When Redis lost them (no
 * restored mark), the log is read back before anything is answered.
 */
export class BulletinStore {
  private loading: Promise<void> | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly keys: ProjectionKeys,
    private readonly log: BulletinLog,
  ) {}

  /** Stores the bulletin unless one exists; answers the one that is kept. */
  async freeze(bulletin: Bulletin): Promise<{ created: boolean; bulletin: Bulletin }> {
    await this.ensureRestored();
    const key = this.keys.bulletin(bulletin.area.code, bulletin.month);
    const value = JSON.stringify(bulletin);
    if ((await this.redis.set(key, value, 'NX')) === 'OK') {
      try {
        await this.log.append(`${bulletin.area.code}:${bulletin.month}`, value);
      } catch (err) {
        // Not on the log, so not frozen: give the claim back (only if still ours) and let the caller try again.
        await compareAndDelete.run(this.redis, { key }, { expected: value });
        throw err;
      }
      return { created: true, bulletin };
    }
    const kept = await this.get(bulletin.area.code, bulletin.month);
    if (!kept) throw new Error(`bulletin ${key} neither written nor found`);
    return { created: false, bulletin: kept };
  }

  async get(area: string, month: string): Promise<Bulletin | undefined> {
    await this.ensureRestored();
    const raw = await this.redis.get(this.keys.bulletin(area, month));
    return raw === null ? undefined : (JSON.parse(raw) as Bulletin);
  }

  /** Reads the log back into Redis when the restored mark is missing (once at a time); a no-op otherwise. */
  async ensureRestored(): Promise<void> {
    if ((await this.redis.exists(this.keys.bulletinsRestored())) === 1) return;
    this.loading ??= this.restore().finally(() => (this.loading = undefined));
    await this.loading;
  }

  private async restore(): Promise<void> {
    const records = await this.log.readAll();
    const pipeline = this.redis.pipeline();
    for (const { key, value } of records) {
      const [area, month] = (key ?? '').split(':');
      if (!area || !month || !value) continue;
      // The first on the log is the one that won; a later record of the same key can only be a re-send of it.
      pipeline.set(this.keys.bulletin(area, month), value, 'NX');
    }
    pipeline.set(this.keys.bulletinsRestored(), new Date().toISOString());
    await pipeline.exec();
  }
}
