import type { Redis } from '@gridgov/redis';
import type { ProjectionKeys } from './counter-store.ts';
import type { AreaRef } from './figures.ts';
import type { RankingAnswer } from './ranking.ts';

const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

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

/** 月通报: the ranking of one month for one area, frozen when it was taken. */
export interface Bulletin {
  readonly month: string;
  readonly area: AreaRef;
  readonly frozenAt: string;
  readonly ranking: RankingAnswer;
}

/** Frozen bulletins in Redis: one key each, written once (the first freeze wins). */
export class BulletinStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: ProjectionKeys,
  ) {}

  /** Stores the bulletin unless one exists; answers the one that is kept. */
  async freeze(bulletin: Bulletin): Promise<{ created: boolean; bulletin: Bulletin }> {
    const key = this.keys.bulletin(bulletin.area.code, bulletin.month);
    const set = await this.redis.set(key, JSON.stringify(bulletin), 'NX');
    if (set === 'OK') return { created: true, bulletin };
    const kept = await this.get(bulletin.area.code, bulletin.month);
    if (!kept) throw new Error(`bulletin ${key} neither written nor found`);
    return { created: false, bulletin: kept };
  }

  async get(area: string, month: string): Promise<Bulletin | undefined> {
    const raw = await this.redis.get(this.keys.bulletin(area, month));
    return raw === null ? undefined : (JSON.parse(raw) as Bulletin);
  }
}
