import type { GridEvent } from '@gridgov/contracts';
import type { Incident, IncidentState } from '@gridgov/domain';
import type { Redis } from '@gridgov/redis';
import type { KeyedWrites } from './keyed-writes.ts';

/*
 * The index of open cases by place and report time, per category (ADR 0032): where a new report's possible
 * duplicates (重复上报) are looked up on the intake's hot path. Written by the read side's fold like every list, so it
 * comes back from grid.events after a Redis loss. Per category: a GEO set of the open cases, and a sorted set of the
 * same cases scored by report time (the window is applied on it). A confidential category is never indexed.
 */

/** The keys of the index. */
export function openNearKeys(keyPrefix: string) {
  return {
    /** GEO set: the open cases of the category at their report's location. */
    places: (category: string) => `${keyPrefix}:open-near:${category}`,
    /** Sorted set: the same cases scored by report time (epoch ms). */
    times: (category: string) => `${keyPrefix}:open-near-at:${category}`,
    /** Hash: incident id → the first 80 characters of its description, shown beside a proposal. */
    summaries: `${keyPrefix}:open-near-summary`,
  };
}

/** How much of a description a proposal shows. */
export const SUMMARY_CHARS = 80;

/** What folding a case's events changes in the index: it joins (open now, not before) or leaves it (over now). */
export interface OpenNearChange {
  readonly category: string;
  readonly join?: { readonly lat: number; readonly lng: number; readonly reportedAt: number };
  readonly leave?: true;
  /** Set on the report: its summary. */
  readonly summary?: string;
  /** Set on erasure: the summary goes. */
  readonly forget?: true;
}

const isOpen = (s: IncidentState): boolean =>
  s !== null && !s.imported && s.status !== 'closed' && s.status !== 'rejected' && s.status !== 'merged';

/** The index's change for one case, or undefined when none (a confidential category's case is never in it). */
export function openNearChange(
  before: IncidentState,
  after: Incident,
  events: readonly GridEvent[],
  confidential: boolean,
): OpenNearChange | undefined {
  if (confidential) return undefined;
  const report = events.find((e) => e.type === 'IncidentReported');
  const erased = events.some((e) => e.type === 'IncidentErased');
  const was = isOpen(before);
  const place = isOpen(after) ? after.location : undefined;
  const is = place !== undefined;
  const summary = report ? [...report.data.description].slice(0, SUMMARY_CHARS).join('') : undefined;
  if (was === is && summary === undefined && !erased) return undefined;
  return {
    category: after.category,
    ...(place && !was ? { join: { lat: place.lat, lng: place.lng, reportedAt: after.reportedAt } } : {}),
    ...(was && !is ? { leave: true as const } : {}),
    ...(summary !== undefined && !erased ? { summary } : {}),
    ...(erased ? { forget: true as const } : {}),
  };
}

/** Gathers the index's writes of one case (idempotent: GEOADD, ZADD, ZREM, HSET, HDEL). */
export function writeOpenNear(writes: KeyedWrites, keys: ReturnType<typeof openNearKeys>, incidentId: string, c: OpenNearChange): void {
  if (c.summary !== undefined) writes.add('hset', keys.summaries, incidentId, c.summary);
  if (c.join) {
    writes.add('geoadd', keys.places(c.category), c.join.lng, c.join.lat, incidentId);
    writes.add('zadd', keys.times(c.category), c.join.reportedAt, incidentId);
  }
  if (c.leave) {
    writes.add('zrem', keys.places(c.category), incidentId);
    writes.add('zrem', keys.times(c.category), incidentId);
  }
  if (c.forget) writes.add('hdel', keys.summaries, incidentId);
}

/** An open case near a place: its id, how far (metres, rounded), its report time (epoch ms) and summary. */
export interface NearCase {
  readonly incidentId: string;
  readonly distanceMeters: number;
  readonly reportedAt: number;
  readonly summary?: string;
}

/** How many cases one lookup considers at most (nearest first): a proposal lists a handful, never a crowd. */
export const NEAR_LIMIT = 20;

/**
 * The open cases of `category` within `radiusMeters` of a place, reported at or after `since` (epoch ms), nearest
 * first: one GEOSEARCH, then the report times and summaries of what it found.
 */
export async function openCasesNear(
  redis: Redis,
  keys: ReturnType<typeof openNearKeys>,
  q: { category: string; lat: number; lng: number; radiusMeters: number; since: number; limit?: number },
): Promise<NearCase[]> {
  const found = (await redis.geosearch(
    keys.places(q.category),
    'FROMLONLAT',
    q.lng,
    q.lat,
    'BYRADIUS',
    q.radiusMeters,
    'm',
    'ASC',
    'COUNT',
    q.limit ?? NEAR_LIMIT,
    'WITHDIST',
  )) as [string, string][];
  if (found.length === 0) return [];
  const ids = found.map(([id]) => id);
  const [times, summaries] = await Promise.all([redis.zmscore(keys.times(q.category), ...ids), redis.hmget(keys.summaries, ...ids)]);
  return found.flatMap(([incidentId, distance], i) => {
    const at = times[i];
    if (at === null || at === undefined || Number(at) < q.since) return [];
    const summary = summaries[i];
    return [{ incidentId, distanceMeters: Math.round(Number(distance)), reportedAt: Number(at), ...(summary ? { summary } : {}) }];
  });
}
