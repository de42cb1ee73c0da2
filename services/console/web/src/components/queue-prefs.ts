import type { SortKey } from '../api/types.ts';

/** The orders the dispatcher's list offers (the API's `sort`), and the page sizes. */
export const SORTS = ['reportedAt', 'deadline', 'escalation'] as const satisfies readonly SortKey[];
export const PAGE_SIZES = [20, 50, 100, 200] as const;
export type PageSize = (typeof PAGE_SIZES)[number];

/** What the dispatcher chose for the list, remembered on the device as the language is. */
export interface QueuePrefs {
  readonly sort: SortKey;
  readonly pageSize: PageSize;
}

export const QUEUE_PREFS_STORAGE_KEY = 'gridgov.console.dispatcher.list';
export const DEFAULT_QUEUE_PREFS: QueuePrefs = { sort: 'reportedAt', pageSize: 50 };

/** The stored choices; anything missing or not one of the choices offered falls back to the default. */
export function storedQueuePrefs(storage: Pick<Storage, 'getItem'>): QueuePrefs {
  let raw: unknown;
  try {
    raw = JSON.parse(storage.getItem(QUEUE_PREFS_STORAGE_KEY) ?? 'null');
  } catch {
    raw = null;
  }
  const stored = (typeof raw === 'object' && raw !== null ? raw : {}) as { sort?: unknown; pageSize?: unknown };
  return {
    sort: SORTS.find((s) => s === stored.sort) ?? DEFAULT_QUEUE_PREFS.sort,
    pageSize: PAGE_SIZES.find((n) => n === stored.pageSize) ?? DEFAULT_QUEUE_PREFS.pageSize,
  };
}

export function storeQueuePrefs(storage: Pick<Storage, 'setItem'>, prefs: QueuePrefs): void {
  storage.setItem(QUEUE_PREFS_STORAGE_KEY, JSON.stringify(prefs));
}
