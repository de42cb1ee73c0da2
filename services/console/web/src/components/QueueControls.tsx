import { useState } from 'react';
import type { ApiClient } from '../api/client.ts';
import type { Queue, QueueCounts } from '../api/types.ts';
import { useI18n } from '../i18n/context.tsx';
import { PAGE_SIZES, SORTS, storedQueuePrefs, storeQueuePrefs, type QueuePrefs } from './queue-prefs.ts';
import { useLoad, type Loaded } from './useLoad.ts';

/** The dispatcher's order and page size, remembered on this device (localStorage). */
export function useQueuePrefs(): [QueuePrefs, (next: QueuePrefs) => void] {
  const [prefs, setPrefs] = useState<QueuePrefs>(() => storedQueuePrefs(localStorage));
  const choose = (next: QueuePrefs) => {
    storeQueuePrefs(localStorage, next);
    setPrefs(next);
  };
  return [prefs, choose];
}

/** Every queue's true count for the area (GET /v1/incidents/counts), loaded again whenever `key` changes. */
export function useQueueCounts(api: ApiClient, area: string | undefined, key: string): Loaded<QueueCounts> {
  return useLoad(area === undefined ? undefined : `${area}:${key}`, (signal) =>
    api.get<QueueCounts>('intake', `/v1/incidents/counts?area=${encodeURIComponent(area!)}`, signal),
  );
}

/** A queue's count as the tab shows it: the true count, or … while it loads (— if it could not be had). */
export function QueueCount({ counts, queue }: { counts: Loaded<QueueCounts>; queue: Queue }) {
  const n = counts.data?.counts[queue];
  return (
    <span className="count" data-testid={`count-${queue}`}>
      {n === undefined ? (counts.state === 'error' ? '—' : '…') : n}
    </span>
  );
}

/** The order of the list and the page size. */
export function QueueControls({ prefs, onChange }: { prefs: QueuePrefs; onChange: (next: QueuePrefs) => void }) {
  const { t } = useI18n();
  return (
    <div className="queue-controls">
      <label>
        {t('queue.sort')}
        <select
          data-testid="sort"
          value={prefs.sort}
          onChange={(e) => onChange({ ...prefs, sort: SORTS.find((s) => s === e.target.value) ?? prefs.sort })}
        >
          {SORTS.map((s) => (
            <option key={s} value={s}>
              {t(`queue.sort.${s}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('queue.pageSize')}
        <select
          data-testid="page-size"
          value={prefs.pageSize}
          onChange={(e) => onChange({ ...prefs, pageSize: PAGE_SIZES.find((n) => n === Number(e.target.value)) ?? prefs.pageSize })}
        >
          {PAGE_SIZES.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}
