import { useEffect, useMemo, useSyncExternalStore } from 'react';
import type { ApiClient } from '../api/client.ts';
import { storedSession } from '../session.ts';
import { Outbox, outboxKey, reportSender } from './outbox.ts';

/**
 * The signed-in grid staff member's outbox, kept in localStorage under their id, and the timer that sends it:
 * when the page opens, when the next report is due, when the browser says it is online again, and when the page
 * comes back to view. A delivered report leaves the list (and the device) when its retention ends.
 */
export function useOutbox(api: ApiClient, userId: string): Outbox {
  const outbox = useMemo(
    () =>
      new Outbox({
        storage: localStorage,
        key: outboxKey(userId),
        send: reportSender(api.config.intakeUrl, () => api.token),
        signedIn: () => storedSession()?.token === api.token,
      }),
    [api, userId],
  );
  useSyncExternalStore(
    (listener) => outbox.subscribe(listener),
    () => outbox.items(),
  );

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let expiry: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const schedule = () => {
      clearTimeout(timer);
      clearTimeout(expiry);
      if (stopped) return;
      const ends = outbox.nextExpiryAt();
      if (ends !== undefined) expiry = setTimeout(() => outbox.expire(), Math.max(0, ends - Date.now()));
      const paused = outbox.pausedBecause();
      if (paused !== undefined) {
        api.unauthorized(paused);
        return;
      }
      const due = outbox.nextDueAt();
      if (due === undefined) return;
      timer = setTimeout(() => void outbox.flush().then(schedule), Math.max(0, due - Date.now()));
    };
    const now = () => void outbox.flush(true).then(schedule);
    const onVisible = () => document.visibilityState === 'visible' && now();
    const unsubscribe = outbox.subscribe(schedule);
    window.addEventListener('online', now);
    document.addEventListener('visibilitychange', onVisible);
    // Opening the page is a moment to try: whatever waits goes now, then on its backoff.
    now();
    return () => {
      stopped = true;
      clearTimeout(timer);
      clearTimeout(expiry);
      unsubscribe();
      window.removeEventListener('online', now);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [api, outbox]);

  return outbox;
}
